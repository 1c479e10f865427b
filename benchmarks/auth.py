"""The auth rows' glue: their settings, a user made with the render's users command (the seeded items are theirs:
another user's items are 404s) and an access token for wrk's Authorization header."""

import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

EMAIL, PASSWORD = "bench@example.com", "benchmark-password"
# The app refuses to start without a SECRET_KEY of 32 bytes; a day-long access token outlives any run.
SETTINGS = {"SECRET_KEY": "benchmark-only-secret-key-" + "x" * 32, "ACCESS_TOKEN_MINUTES": str(24 * 60)}


def create_user(project: Path, database_url: str) -> int:
    """``python -m <package>.users create EMAIL`` (the password on stdin): the new user's id."""
    env = {**os.environ, **SETTINGS, "DATABASE_URL": database_url}
    command = [sys.executable, "-m", f"{project.name}.users", "create", EMAIL]
    done = subprocess.run(command, cwd=project, env=env, input=PASSWORD + "\n", capture_output=True, text=True,
                          check=True, timeout=120)  # fmt: skip
    created = re.search(r"Created user (\d+)", done.stdout)
    if created is None:
        raise RuntimeError(f"the users command printed no user id:\n{done.stdout}{done.stderr}")
    return int(created[1])


def access_token(base_url: str) -> str:
    """Log in (POST /auth/token, the OAuth2 password form) as the user ``create_user`` made."""
    form = urllib.parse.urlencode({"username": EMAIL, "password": PASSWORD}).encode()
    with urllib.request.urlopen(base_url + "/auth/token", data=form, timeout=30) as response:  # noqa: S310 - loopback
        return str(json.loads(response.read())["access_token"])
