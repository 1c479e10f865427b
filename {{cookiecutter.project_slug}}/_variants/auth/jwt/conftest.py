"""Loaded by pytest before tests/conftest.py imports the app, which needs a SECRET_KEY to start.

The tests sign and check tokens with this key (and servers they start inherit it); a real
deployment sets its own (see .env.example).
"""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-for-the-test-suite-only-0123456789")
