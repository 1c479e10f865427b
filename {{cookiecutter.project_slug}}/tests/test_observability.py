{% from "variant.jinja" import slug, async, has_auth with context %}
"""Request ids, log lines and slow statements, as an operator sees them."""

import json
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest
{% if has_auth %}
from accounts import signed_in
{% endif %}
from fastapi import FastAPI
from httpx import AsyncClient
from support import serving_logged

from {{ slug }}.config import Settings
from {{ slug }}.observability import statement_logger

Record = dict[str, Any]
# A log line of the served app, and the responses that were sent; see ``served``.
Served = tuple[list[Record], dict[str, httpx.Response]]
# The text log of the served app, and the responses.
ServedText = tuple[str, dict[str, httpx.Response]]


def is_uuid4(value: str) -> bool:
    try:
        return uuid.UUID(value).version == 4
    except ValueError:
        return False


async def test_a_request_without_an_id_gets_a_new_one(client: AsyncClient) -> None:
    response = await client.get("/items/")

    assert is_uuid4(response.headers["x-request-id"])


async def test_a_clients_request_id_is_kept(client: AsyncClient) -> None:
    response = await client.get("/items/", headers={"X-Request-ID": "client/req:42"})

    assert response.headers["x-request-id"] == "client/req:42"


@pytest.mark.parametrize("sent", ["a" * 129, "two words", "tab\there", "del\x7f"])
async def test_an_invalid_request_id_is_replaced(client: AsyncClient, sent: str) -> None:
    response = await client.get("/items/", headers={"X-Request-ID": sent})

    assert is_uuid4(response.headers["x-request-id"])


async def test_a_503_carries_the_request_id(unreachable_client: AsyncClient) -> None:
    response = await unreachable_client.get("/items/", headers={"X-Request-ID": "unavailable-1"})

    assert response.status_code == 503
    assert response.headers["x-request-id"] == "unavailable-1"


async def test_a_500_carries_the_request_id(live_app: FastAPI, live_client: AsyncClient) -> None:
    @live_app.get("/boom")
    {{ async }}def boom() -> None:
        raise RuntimeError("boom")

    response = await live_client.get("/boom", headers={"X-Request-ID": "failing-1"})

    assert response.status_code == 500
    assert response.headers["x-request-id"] == "failing-1"


# Request data that reaches the database and must reach no log line.
PRIVATE = "my phone is 555-0100"
# A log line that a request tries to write with a line feed of its own.
FORGED = "2026-12-07 06:00:00,000 CRITICAL app.auth admin login OK"
# The requests sent to each served app: request id -> method, path, JSON body.
REQUESTS: dict[str, tuple[str, str, object]] = {
    "list-1": ("GET", "/items/", None),
    "boom-1": ("GET", "/boom", None),
    "slow-1": ("GET", "/slow", None),
    "private-500": ("POST", "/fail/missing-table", {"value": PRIVATE}),
    "private-409": ("POST", "/fail/null-title", {"value": PRIVATE}),
    "forged-path": ("GET", f"/nope%0a{quote(FORGED)}", None),
    "forged-message": ("GET", f"/boom?message={quote(chr(13) + chr(10) + FORGED)}", None),
}


def serve_and_request(settings: Settings, log: Path, log_format: str) -> dict[str, httpx.Response]:
    """Serve the app with uvicorn, logging everything (DEBUG, SQL echo); send REQUESTS; their responses."""
    with serving_logged(
        settings, log, LOG_FORMAT=log_format, LOG_LEVEL="DEBUG", DB_ECHO="true", DB_SLOW_QUERY_MS="150"
    ) as url:
{% if has_auth %}
        signed = signed_in(settings)
        return {
            request_id: httpx.request(method, f"{url}{path}", json=body, headers={"X-Request-ID": request_id, **signed})
            for request_id, (method, path, body) in REQUESTS.items()
        }
{% else %}
        return {
            request_id: httpx.request(method, f"{url}{path}", json=body, headers={"X-Request-ID": request_id})
            for request_id, (method, path, body) in REQUESTS.items()
        }
{% endif %}


@pytest.fixture(scope="module")
def served(live_database: Settings, tmp_path_factory: pytest.TempPathFactory) -> Served:
    """REQUESTS to the app served with JSON logs: its log records, and the responses."""
    log = tmp_path_factory.mktemp("logs") / "stderr.log"
    responses = serve_and_request(live_database, log, "json")
    return [json.loads(line) for line in log.read_text().splitlines()], responses


@pytest.fixture(scope="module")
def served_text(live_database: Settings, tmp_path_factory: pytest.TempPathFactory) -> ServedText:
    """REQUESTS to the app served with text logs: its log, and the responses."""
    log = tmp_path_factory.mktemp("logs") / "stderr.log"
    responses = serve_and_request(live_database, log, "text")
    return log.read_text(), responses


def lines_of(records: list[Record], request_id: str) -> list[Record]:
    return [record for record in records if record["request_id"] == request_id]


@pytest.mark.slow
def test_every_log_line_is_one_json_object_with_the_standard_fields(served: Served) -> None:
    records, _ = served

    assert records, "the server logged nothing"
    assert all({"time", "level", "logger", "message", "request_id"} <= record.keys() for record in records)
    assert any(record["logger"].startswith("uvicorn") for record in records), "uvicorn logs through the same config"


@pytest.mark.slow
def test_each_request_has_one_access_line(served: Served) -> None:
    records, responses = served

    for request_id, response in responses.items():
        access = [record for record in lines_of(records, request_id) if "duration_ms" in record and "path" in record]
        assert len(access) == 1, access
        assert access[0]["method"] == response.request.method
        assert access[0]["path"] == unquote(response.url.path)
        assert access[0]["status"] == response.status_code
        assert access[0]["duration_ms"] >= 0
    assert not any(record["logger"] == "uvicorn.access" for record in records)


@pytest.mark.slow
def test_a_500_traceback_is_logged_once_with_the_request_id(served: Served) -> None:
    records, responses = served
    tracebacks = [record for record in lines_of(records, "boom-1") if "Traceback" in str(record.get("exc_info", ""))]

    assert responses["boom-1"].status_code == 500
    assert len(tracebacks) == 1, tracebacks


@pytest.mark.slow
def test_a_slow_statement_is_logged_at_warning_without_its_parameters(served: Served) -> None:
    records, _ = served
    slow = [record for record in records if record["logger"] == statement_logger.name]

    assert len(slow) == 1, slow  # the other statements were faster than DB_SLOW_QUERY_MS
    assert slow[0]["level"] == "WARNING"
    assert slow[0]["request_id"] == "slow-1"
    assert slow[0]["duration_ms"] >= 300
    sql = slow[0]["message"].split("): ", 1)[1]
    assert "sleep(" in sql
    assert "0.3" not in sql  # the parameter value


@pytest.mark.slow
def test_text_lines_carry_the_request_id(served_text: ServedText) -> None:
    log, _ = served_text

    assert [line for line in log.splitlines() if "[list-1] GET /items/ 200" in line]


@pytest.mark.slow
def test_request_values_reach_no_log_line(served: Served, served_text: ServedText) -> None:
    (records, responses), (text_log, _) = served, served_text
    json_log = json.dumps(records)

    assert [responses[request_id].status_code for request_id in ("private-500", "private-409")] == [500, 409]
    for log in (text_log, json_log):
        assert "no_such_table" in log  # the statement and its traceback were logged
        assert "Traceback" in log
        assert PRIVATE not in log


@pytest.mark.slow
def test_a_request_cannot_forge_a_text_log_line(served_text: ServedText) -> None:
    log, responses = served_text
    lines = log.splitlines()

    assert [responses[request_id].status_code for request_id in ("forged-path", "forged-message")] == [404, 500]
    assert [line for line in lines if line.startswith(FORGED)] == []
    assert any(f"GET /nope\\n{FORGED} 404 " in line for line in lines)  # escaped, in the access line
    assert f"    {FORGED}" in lines  # the exception's message, in the traceback indented under its record


@pytest.mark.slow
def test_with_several_workers_every_process_logs_json(live_database: Settings, tmp_path: Path) -> None:
    """``python -m`` the package configures logging in the supervisor too, which the uvicorn command does not."""
    log = tmp_path / "stderr.log"
    serve = [sys.executable, "-m", "{{ slug }}"]
    with serving_logged(live_database, log, 2, serve, LOG_FORMAT="json", WEB_CONCURRENCY="2", PORT="0") as url:
        assert httpx.get(f"{url}/items/"{{ ", headers=signed_in(live_database)" if has_auth }}).status_code == 200

    records = [json.loads(line) for line in log.read_text().splitlines()]  # every line is JSON
    messages = [record["message"] for record in records]
    assert any(message.startswith("Started parent process") for message in messages)  # the supervisor's
    assert messages.count("Application startup complete.") == 2
    assert any(message.startswith("GET /items/ 200") for message in messages)
