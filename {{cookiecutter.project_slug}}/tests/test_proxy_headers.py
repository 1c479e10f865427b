"""``python -m`` the package takes the client's address and scheme from the proxies FORWARDED_ALLOW_IPS names, only."""

import sys
from pathlib import Path

import httpx
import pytest
from support import SERVE_OBSERVED_APP, TESTS, serving_logged

from {{ cookiecutter.project_slug }}.config import Settings

pytestmark = pytest.mark.slow

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def seen_by_the_app(settings: Settings, tmp_path: Path, dotenv: str) -> object:
    """What the app served with ``dotenv`` as its .env file sees of a request with FORWARDED headers."""
    (tmp_path / ".env").write_text(dotenv)
    command = [sys.executable, "-c", SERVE_OBSERVED_APP]
    paths = f"{TESTS}:{TESTS.parent}"
    with serving_logged(settings, tmp_path / "stderr.log", 1, command, tmp_path, PORT="0", PYTHONPATH=paths) as url:
        return httpx.get(f"{url}/client", headers=FORWARDED).json()


def test_a_trusted_proxy_says_who_the_client_is(live_database: Settings, tmp_path: Path) -> None:
    seen = seen_by_the_app(live_database, tmp_path, "FORWARDED_ALLOW_IPS=127.0.0.1\n")

    assert seen == {"host": "203.0.113.7", "scheme": "https"}


def test_forwarded_headers_from_an_untrusted_address_are_ignored(live_database: Settings, tmp_path: Path) -> None:
    seen = seen_by_the_app(live_database, tmp_path, "FORWARDED_ALLOW_IPS=192.0.2.1\n")

    assert seen == {"host": "127.0.0.1", "scheme": "http"}
