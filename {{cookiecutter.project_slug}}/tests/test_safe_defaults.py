{% from "variant.jinja" import is_pg, slug with context %}
"""Defaults that are safe without any configuration."""

from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient

from {{ slug }}.config import Settings
from {{ slug }}.main import create_app


def test_defaults_are_quiet_and_closed() -> None:
    defaults = {name: field.default for name, field in Settings.model_fields.items()}

    assert defaults["debug"] is False
    assert defaults["db_echo"] is False
{% if is_pg %}
    assert defaults["db_pool_pre_ping"] is False  # closed connections are replaced without it
    assert defaults["db_pgbouncer"] is False
    assert defaults["db_null_pool"] is False
{% endif %}
    assert defaults["cors_origins"] == []


def test_the_tests_ignore_a_developers_env_file(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app reads .env from its working directory; the tests set what they check (see conftest.py)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("DB_ECHO=true\n")

    assert Settings(database_url=settings.database_url).db_echo is False


def test_the_database_url_and_its_password_stay_out_of_logs(settings: Settings) -> None:
    assert "database_url" not in repr(settings)
    assert settings.database_url not in str(settings)


async def test_cross_origin_requests_are_not_allowed_by_default(client: AsyncClient) -> None:
    response = await client.options(
        "/items/", headers={"origin": "https://evil.example", "access-control-request-method": "POST"}
    )

    assert "access-control-allow-origin" not in response.headers


async def test_configured_origins_are_allowed(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"cors_origins": ["https://app.example"]}))
    async with AsyncClient(transport=ASGITransport(app), base_url="http://test") as client:
        response = await client.options(
            "/items/", headers={"origin": "https://app.example", "access-control-request-method": "POST"}
        )

    assert response.headers["access-control-allow-origin"] == "https://app.example"
