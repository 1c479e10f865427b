"""PATCH /items/{id}: a JSON Merge Patch (RFC 7396) whose result is validated as a PUT's body is."""

import pytest
from factories import create_item
from httpx import AsyncClient

MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


async def test_patch_changes_the_fields_sent_and_keeps_the_others(client: AsyncClient) -> None:
    item = await create_item(client, "Pen", description="Blue ink")

    response = await client.patch(f"/items/{item['id']}", json={"title": "Pencil"}, headers=MERGE_PATCH)

    assert response.status_code == 200
    assert response.json() == {**item, "title": "Pencil"}
    assert response.headers["etag"] == '"2"'
    assert (await client.get(f"/items/{item['id']}")).json() == response.json()


async def test_patch_with_null_removes_an_optional_field(client: AsyncClient) -> None:
    item = await create_item(client, "Pen", description="Blue ink")

    response = await client.patch(f"/items/{item['id']}", json={"description": None}, headers=MERGE_PATCH)

    assert response.json() == {**item, "description": None}


async def test_patch_accepts_application_json_too(client: AsyncClient) -> None:
    item = await create_item(client, "Pen")

    response = await client.patch(f"/items/{item['id']}", json={"description": "Red"})

    assert response.status_code == 200
    assert response.json()["description"] == "Red"


@pytest.mark.parametrize(
    ("patch", "location"),
    [
        pytest.param({"title": None}, ["body", "title"], id="required-field-removed"),
        pytest.param({"title": ""}, ["body", "title"], id="title-empty"),
        pytest.param({"title": "x" * 256}, ["body", "title"], id="title-too-long"),
        pytest.param({"no_such_field": "blue"}, ["body", "no_such_field"], id="unknown-field"),
        pytest.param(["Pencil"], ["body"], id="not-an-object"),
    ],
)
async def test_a_patch_whose_result_is_invalid_is_422_and_changes_nothing(
    client: AsyncClient, patch: object, location: list[str]
) -> None:
    """The 422 has one error, at the field refused, as a PUT's would be."""
    item = await create_item(client, "Pen")

    response = await client.patch(f"/items/{item['id']}", json=patch, headers=MERGE_PATCH)

    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["detail"]] == [location]
    assert (await client.get(f"/items/{item['id']}")).json() == item


@pytest.mark.parametrize(
    "content_type", ["application/merge-patch+json; charset=utf-8", "APPLICATION/JSON"], ids=["parameter", "case"]
)
async def test_patch_takes_its_formats_with_parameters_and_in_any_case(client: AsyncClient, content_type: str) -> None:
    item = await create_item(client, "Pen")

    response = await client.patch(
        f"/items/{item['id']}", content=b'{"title": "Pencil"}', headers={"Content-Type": content_type}
    )

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_patch_in_another_format_is_415_naming_those_it_takes(
    client: AsyncClient, content_type: str | None
) -> None:
    item = await create_item(client, "Pen")
    headers = {"Content-Type": content_type} if content_type else {}

    response = await client.patch(f"/items/{item['id']}", content=b'{"title": "Pencil"}', headers=headers)

    assert response.status_code == 415
    assert response.headers["accept-patch"] == "application/merge-patch+json, application/json"
    assert response.json() == {"detail": "A PATCH body is application/merge-patch+json or application/json"}
    assert (await client.get(f"/items/{item['id']}")).json() == item


async def test_patch_honours_if_match(client: AsyncClient) -> None:
    item = await create_item(client, "Pen")
    url = f"/items/{item['id']}"

    current = await client.patch(url, json={"title": "Pencil"}, headers={**MERGE_PATCH, "If-Match": '"1"'})
    stale = await client.patch(url, json={"title": "Crayon"}, headers={**MERGE_PATCH, "If-Match": '"1"'})

    assert current.status_code == 200
    assert stale.status_code == 412
    assert stale.headers["etag"] == '"2"'
    assert (await client.get(url)).json()["title"] == "Pencil"


async def test_patching_a_missing_item_is_404(client: AsyncClient) -> None:
    response = await client.patch("/items/999999", json={"title": "Pencil"}, headers=MERGE_PATCH)

    assert response.status_code == 404
