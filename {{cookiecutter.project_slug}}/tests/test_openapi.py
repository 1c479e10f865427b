{% from "variant.jinja" import has_auth with context %}
"""The published API: stable operation ids, and documentation pages that work offline."""

import re

import pytest
from httpx import AsyncClient

from {{ cookiecutter.project_slug }}.main import create_app

# Generated clients name their functions after these: changing one breaks client code.
# A new endpoint adds its id here (the README's "Adding a resource").
OPERATION_IDS = [
{% if has_auth %}
    "auth-log_in",
    "auth-log_out",
    "auth-refresh",
    "auth-register",
{% endif %}
    "health-health",
    "health-live",
    "health-ready",
    "items-create_item",
    "items-delete_item",
    "items-list_items",
    "items-read_item",
    "items-replace_item",
    "items-update_item",
    "notes-create_note",
    "notes-delete_note",
    "notes-list_notes",
    "notes-read_note",
{% if has_auth %}
    "users-change_password",
    "users-read_me",
{% endif %}
]
# Anything that names a host: http://host, https://host or //host.
OTHER_HOST = re.compile(r"(?:https?:)?//[\w.-]")
# What a page loads: scripts, stylesheets, icons, and the schema it renders.
REFERENCE = re.compile(r"""(?:src|href|spec-url)="([^"]+)"|url: '([^']+)'""")


def test_operation_ids_are_readable_and_stable() -> None:
    paths = create_app().openapi()["paths"]

    operation_ids = sorted(operation["operationId"] for path in paths.values() for operation in path.values())

    assert operation_ids == OPERATION_IDS, "add a new endpoint's id to OPERATION_IDS; never rename one"


@pytest.mark.parametrize(
    ("path", "method", "status", "headers"),
    [
        ("/items/", "post", "201", {"Location", "ETag"}),
        ("/items/", "get", "200", {"Link", "X-Total-Count"}),
        ("/items/{item_id}", "get", "200", {"ETag"}),
        ("/items/{item_id}", "get", "304", set()),
        ("/items/{item_id}", "put", "412", {"ETag"}),
        ("/items/{item_id}", "patch", "412", {"ETag"}),
        ("/items/{item_id}/notes", "post", "201", {"Location"}),
        ("/items/{item_id}/notes", "get", "200", {"Link", "X-Total-Count"}),
    ],
)
def test_the_schema_documents_each_status_and_its_headers(
    path: str, method: str, status: str, headers: set[str]
) -> None:
    """So that generated clients read them, and the schemathesis run checks them."""
    responses = create_app().openapi()["paths"][path][method]["responses"]

    assert set(responses[status].get("headers", {})) == headers


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_load_everything_from_this_server(client: AsyncClient, page: str) -> None:
    response = await client.get(page)

    assert response.status_code == 200
    assert OTHER_HOST.findall(response.text) == []
    references = [first or second for first, second in REFERENCE.findall(response.text)]
    assert "/openapi.json" in references
    assert any(reference.endswith(".js") for reference in references)
    for reference in references:
        assert (await client.get(reference)).status_code == 200, reference
