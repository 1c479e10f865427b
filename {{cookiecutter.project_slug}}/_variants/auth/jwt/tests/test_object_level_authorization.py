{% from "variant.jinja" import slug with context %}
"""Object-level authorization, probed by Schemathesis: no user reads another user's items or notes.

Schemathesis signs two users in through ``POST /auth/token``, drives the item and note
operations as the first, and replays her successful reads as the second: its
``object_level_authorization`` check fails when he gets an object that only she may see.
"""

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from accounts import PASSWORD, signed_in
from support import serving

from {{ slug }}.config import Settings
from {{ slug }}.main import create_app

pytestmark = pytest.mark.slow

OWNER, PEER = "alice@example.com", "bob@example.com"


def signs_in(email: str) -> dict[str, object]:
    """A Web Fuzzing Commons entry: the user signs in by the OAuth2 password flow and sends the bearer token."""
    return {
        "name": email,
        "loginEndpointAuth": {
            "endpoint": "/auth/token",
            "verb": "POST",
            "contentType": "application/x-www-form-urlencoded",
            "payloadUserPwd": {
                "username": email,
                "usernameField": "username",
                "password": PASSWORD,
                "passwordField": "password",
            },
            "token": {
                "extractFrom": "body",
                "extractSelector": "/access_token",
                "sendIn": "header",
                "sendName": "Authorization",
                "sendTemplate": "Bearer {token}",
            },
        },
    }


def test_no_user_reads_another_users_items_or_notes(live_settings: Settings, tmp_path: Path) -> None:
    owner = signed_in(live_settings, OWNER)
    signed_in(live_settings, PEER)
    (tmp_path / "users.json").write_text(json.dumps({"auth": [signs_in(OWNER), signs_in(PEER)]}))
    (tmp_path / "schemathesis.toml").write_text(f'[auth.wfc]\npath = "users.json"\npeers = ["{OWNER}", "{PEER}"]\n')
    checks = ["--checks", "object_level_authorization", "--include-path-regex", "^/items"]
    generation = ["--phases", "fuzzing,stateful", "--max-examples", "10", "--seed", "1"]

    with serving(create_app(live_settings)) as url:
        command = [sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json", *checks, *generation]
        run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
        owned = httpx.get(f"{url}/items/", headers=owner).json()

    assert run.returncode == 0, run.stdout
    assert owned, "Schemathesis created no item for the peer's reads to be compared with"
