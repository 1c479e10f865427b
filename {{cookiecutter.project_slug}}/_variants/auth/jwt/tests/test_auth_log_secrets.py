"""Passwords, their hashes and tokens never reach a log line, even at DEBUG with SQL echo on."""

from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from support import serving_logged

from {{ cookiecutter.project_slug }}.config import Settings
from {{ cookiecutter.project_slug }}.models import User

PASSWORD = "pw-5e2a-never-logged"
NEW_PASSWORD = "pw-77b0-never-logged-either"


def stored_hash(settings: Settings) -> str:
    """The user's password hash, read with a plain synchronous engine."""
    url = make_url(settings.database_url)
    sync_url = url.set(drivername=url.get_backend_name())  # the default driver of the database: sqlite3 or psycopg
    engine = create_engine(sync_url)
    try:
        with engine.connect() as connection:
            password_hash: str | None = connection.scalar(select(User.password_hash))
    finally:
        engine.dispose()
    assert password_hash is not None
    return password_hash


@pytest.mark.slow
def test_passwords_hashes_and_tokens_are_in_no_log_line(live_settings: Settings, tmp_path: Path) -> None:
    log = tmp_path / "stderr.log"
    with (
        serving_logged(
            live_settings, log, LOG_LEVEL="DEBUG", DB_ECHO="true", DB_SLOW_QUERY_MS="0", AUTH_OPEN_REGISTRATION="true"
        ) as base,
        httpx.Client(base_url=base) as client,
    ):
        registered = client.post("/auth/register", json={"email": "ann@example.com", "password": PASSWORD})
        wrong = client.post("/auth/token", data={"username": "ann@example.com", "password": NEW_PASSWORD})
        tokens = client.post("/auth/token", data={"username": "ann@example.com", "password": PASSWORD}).json()
        rotated = client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).json()
        reused = client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        headers = {"Authorization": f"Bearer {rotated['access_token']}"}
        change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        changed = client.put("/users/me/password", json=change, headers=headers)
        password_hash = stored_hash(live_settings)

    text = log.read_text()
    assert [registered.status_code, wrong.status_code, reused.status_code, changed.status_code] == [201, 401, 401, 204]
    assert "INSERT INTO refresh_tokens" in text  # the echo logged the statements
    secrets = [PASSWORD, NEW_PASSWORD, password_hash, *tokens.values(), *rotated.values()]
    leaked = [secret for secret in secrets if len(str(secret)) > 8 and str(secret) in text]
    assert leaked == []
