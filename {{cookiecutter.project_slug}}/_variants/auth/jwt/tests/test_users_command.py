{% from "variant.jinja" import slug with context %}
"""The users command (`python -m <package>.users create EMAIL`) creates a user, the password read from stdin."""

import asyncio
import io

import pytest
from httpx import AsyncClient

from {{ slug }} import users
from {{ slug }}.config import Settings


async def create(settings: Settings, email: str, stdin: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    # In a thread of its own: the command runs its own event loop, if any.
    return await asyncio.to_thread(users.main, ["create", email], settings)


async def test_the_command_creates_a_user_who_can_log_in(
    live_settings: Settings,
    live_client: AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = await create(live_settings, "Cli@Example.com", "a long passphrase\n", monkeypatch)
    again = await create(live_settings, "cli@example.com", "another passphrase\n", monkeypatch)
    login = await live_client.post("/auth/token", data={"username": "cli@example.com", "password": "a long passphrase"})

    assert status == 0
    assert again == 1
    assert login.status_code == 200
    output = capsys.readouterr()
    assert "Created user" in output.out
    assert "exists already" in output.err
    assert "passphrase" not in output.out + output.err


async def test_the_command_refuses_a_short_password(
    live_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await create(live_settings, "cli@example.com", "short\n", monkeypatch) == 2
    assert "at least 8 characters" in capsys.readouterr().err
