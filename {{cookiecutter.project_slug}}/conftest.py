{% from "variant.jinja" import slug, has_auth with context %}
"""Loaded by pytest before tests/conftest.py imports the app: what the tests' settings come from.

The app reads a .env file in its working directory; a developer's (DB_ECHO=true, say) is for
running the app, and must not change what the tests check: the tests' settings ignore it.
{% if has_auth %}

The tests sign and check tokens with the SECRET_KEY below (and servers they start inherit it);
a real deployment sets its own (see .env.example).
{% endif %}
"""

{% if has_auth %}
import os

{% endif %}
from {{ slug }}.config import Settings

Settings.model_config["env_file"] = None
{% if has_auth %}
os.environ.setdefault("SECRET_KEY", "test-secret-key-for-the-test-suite-only-0123456789")
{% endif %}
