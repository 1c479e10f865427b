"""Invalid requests get a 422 that says what is wrong; nothing reaches the database."""

import logging
from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient
from pydantic import TypeAdapter, ValidationError

from {{ cookiecutter.project_slug }}.schemas import INT32_MAX, INT32_MIN, Int32


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="title-missing"),
        pytest.param({"title": ""}, id="title-empty"),
        pytest.param({"title": "x" * 256}, id="title-too-long"),
        pytest.param({"title": 42}, id="title-not-a-string"),
        pytest.param({"title": None}, id="title-null"),
        pytest.param({"title": "a\x00b"}, id="title-with-nul"),
        pytest.param({"title": "Pen", "description": "a\x00b"}, id="description-with-nul"),
        pytest.param({"title": "Pen", "no_such_field": "blue"}, id="unknown-field"),
        pytest.param(["Pen"], id="not-an-object"),
    ],
)
async def test_create_item_rejects_invalid_body(client: AsyncClient, body: object) -> None:
    response = await client.post("/items/", json=body)

    assert response.status_code == 422
    assert response.json()["detail"], "the error says what is wrong"
    assert (await client.get("/items/")).json() == []


async def test_create_item_rejects_a_body_that_is_not_json(client: AsyncClient) -> None:
    response = await client.post("/items/", content=b"title=Pen", headers={"content-type": "application/json"})

    assert response.status_code == 422


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("POST", "/items/", '{"title": %s}', id="create-item"),
        pytest.param("POST", "/items/", '{"title": "Pen", "description": [%s]}', id="create-item-nested"),
        pytest.param("POST", "/items/", '{"title": "Pen", "extra": %s}', id="create-item-unknown-field"),
        pytest.param("PUT", "/items/1", '{"title": %s}', id="replace-item"),
        pytest.param("PATCH", "/items/1", '{"title": %s}', id="update-item"),
        pytest.param("POST", "/items/1/notes", '{"body": %s}', id="create-note"),
        pytest.param("POST", "/items/", "%s", id="whole-body"),
    ],
)
async def test_non_finite_numbers_in_a_body_get_a_422(
    client: AsyncClient, caplog: pytest.LogCaptureFixture, method: str, path: str, body: str, number: str
) -> None:
    """Python's JSON parser reads NaN, Infinity and 1e400 (as infinity), which JSON itself cannot hold."""
    content = body % number
    response = await client.request(method, path, content=content, headers={"content-type": "application/json"})

    assert response.status_code == 422, response.text
    assert response.json()["detail"], "the error says what is wrong"
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []
    assert (await client.get("/items/")).json() == []


async def test_replace_item_rejects_invalid_body(client: AsyncClient) -> None:
    item = (await client.post("/items/", json={"title": "Pen"})).json()

    response = await client.put(f"/items/{item['id']}", json={"title": ""})

    assert response.status_code == 422
    assert (await client.get(f"/items/{item['id']}")).json() == item


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"skip": -1}, id="negative-skip"),
        pytest.param({"skip": 2**31}, id="skip-beyond-integer-range"),
        pytest.param({"limit": 0}, id="zero-limit"),
        pytest.param({"limit": 101}, id="limit-above-100"),
        pytest.param({"limit": "ten"}, id="limit-not-a-number"),
    ],
)
async def test_list_items_rejects_out_of_range_paging(client: AsyncClient, params: dict[str, int | str]) -> None:
    response = await client.get("/items/", params=params)

    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize("item_id", ["0", "-1", str(2**31), str(2**63), "abc"])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_item_ids_outside_the_key_range_are_rejected(client: AsyncClient, method: str, item_id: str) -> None:
    response = await client.request(method, f"/items/{item_id}", json={"title": "Pen"})

    assert response.status_code == 422


async def in_chunks(body: bytes) -> AsyncIterator[bytes]:
    """A body sent without a Content-Length (chunked), as a streaming client sends it."""
    for start in range(0, len(body), 65_536):
        yield body[start : start + 65_536]


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_a_body_over_the_size_limit_is_413(client: AsyncClient, declared: bool) -> None:
    oversized = b'{"title": "Pen", "description": "' + b"x" * 1_048_576 + b'"}'
    content = oversized if declared else in_chunks(oversized)

    response = await client.post("/items/", content=content, headers={"content-type": "application/json"})

    assert response.status_code == 413
    assert response.json() == {"detail": "The body is larger than the 1,048,576 bytes this server accepts."}
    assert "x-request-id" in response.headers
    assert (await client.get("/items/")).json() == []


async def test_a_body_that_is_not_utf8_is_400(client: AsyncClient) -> None:
    response = await client.post("/items/", content=b'{"title": "\xff"}', headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert response.json() == {"detail": "There was an error parsing the body"}
    assert (await client.get("/items/")).json() == []


@pytest.mark.parametrize("escape", ["\\ud800", "a\\udfffb"], ids=["lone-high-surrogate", "lone-low-surrogate"])
async def test_text_that_cannot_be_stored_is_rejected(client: AsyncClient, escape: str) -> None:
    body = '{"title": "' + escape + '"}'  # valid JSON, but not encodable as UTF-8

    response = await client.post("/items/", content=body.encode(), headers={"content-type": "application/json"})

    assert response.status_code == 422
    assert (await client.get("/items/")).json() == []


@pytest.mark.parametrize(
    ("value", "stored"),
    [(309, 309), (309.0, 309), (-1, -1), (INT32_MIN, INT32_MIN), (INT32_MAX, INT32_MAX), (float(INT32_MAX), INT32_MAX)],
)
def test_int32_takes_whole_json_numbers_in_the_column_range(value: object, stored: int) -> None:
    assert TypeAdapter(Int32).validate_python(value) == stored


@pytest.mark.parametrize(
    "value",
    [True, False, "309", 309.5, float("inf"), float("nan"), None, INT32_MAX + 1, INT32_MIN - 1, 99_999_999_999],
)
def test_int32_rejects_what_an_integer_column_would_not_store_as_sent(value: object) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(Int32).validate_python(value)


def test_int32_publishes_its_range_in_the_openapi_schema() -> None:
    """Clients (and schemathesis) see the bounds, also on an optional field."""
    schema = TypeAdapter(Int32 | None).json_schema()

    assert {"type": "integer", "minimum": INT32_MIN, "maximum": INT32_MAX} in schema["anyOf"]
