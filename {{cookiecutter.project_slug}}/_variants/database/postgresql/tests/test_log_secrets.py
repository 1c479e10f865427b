{% from "variant.jinja" import has_auth with context %}
"""The database password never reaches a log line, even at DEBUG with SQL echo on."""

from pathlib import Path

import httpx
import pytest
{% if has_auth %}
from accounts import signed_in
{% endif %}
from sqlalchemy.engine import make_url
from support import serving_logged

from {{ cookiecutter.project_slug }}.config import Settings

# The test server trusts its clients (TEST_DATABASE_URL), so any password connects.
PASSWORD = "pw-8c1f-never-logged"


@pytest.mark.slow
def test_the_database_password_is_in_no_log_line(live_database: Settings, tmp_path: Path) -> None:
    url = make_url(live_database.database_url).set(password=PASSWORD).render_as_string(hide_password=False)
    settings = live_database.model_copy(update={"database_url": url})
    log = tmp_path / "stderr.log"
    with serving_logged(settings, log, LOG_LEVEL="DEBUG", DB_ECHO="true", DB_SLOW_QUERY_MS="0") as base:
{% if has_auth %}
        signed = signed_in(live_database)
        statuses = [httpx.get(f"{base}{path}", headers=signed).status_code for path in ("/items/", "/slow", "/boom")]
{% else %}
        statuses = [httpx.get(f"{base}{path}").status_code for path in ("/items/", "/slow", "/boom")]
{% endif %}

    assert statuses == [200, 200, 500]
    assert "SELECT" in log.read_text()  # the echo and the slow statements were logged
    assert PASSWORD not in log.read_text()
