"""Full tier: each variant, served by uvicorn as its README says, honours the API contract."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import SESSION_VARIANTS, clean_env, python_tool, served_render, variant_params

pytestmark = pytest.mark.slow


@pytest.fixture(params=variant_params(SESSION_VARIANTS))
def variant(request: pytest.FixtureRequest) -> dict[str, Any]:
    answers: dict[str, Any] = request.param
    return answers


@pytest.fixture
def served(
    request: pytest.FixtureRequest, render: Callable[..., Path], variant: dict[str, Any], tmp_path: Path
) -> Iterator[httpx.Client]:
    """``uvicorn <slug>.main:app`` for one variant, on an empty database; yields a client."""
    project = render(**variant)
    if variant["database"] == "postgresql":
        database_url = request.getfixturevalue("scratch_database")
    else:
        database_url = f"sqlite:///{tmp_path / 'served.db'}"
    if (project / "alembic.ini").exists():  # as the README says: migrate, then run
        migrate = subprocess.run(
            python_tool("alembic", "upgrade", "head"),
            cwd=project,
            env=clean_env(DATABASE_URL=database_url),
            capture_output=True,
            text=True,
            check=False,
        )
        assert migrate.returncode == 0, migrate.stderr
    with (
        served_render(project, clean_env(DATABASE_URL=database_url)) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as client,
    ):
        yield client
    assert server.returncode == 0, server.log
    assert "Application shutdown complete" in server.log
    assert "Traceback" not in server.log, server.log


def test_served_app_honours_the_item_contract(served: httpx.Client) -> None:
    created = served.post("/items/", json={"title": "Pen", "description": "Blue ink"})
    assert created.status_code == 201
    item = created.json()
    assert item == {"id": item["id"], "title": "Pen", "description": "Blue ink"}

    second = served.post("/items/", json={"title": "Pencil"}).json()
    assert served.get("/items/").json() == [item, second]
    assert served.get("/items/", params={"skip": 1, "limit": 1}).json() == [second]
    assert served.get("/items/", params={"limit": 0}).status_code == 422
    assert served.get("/items/", params={"limit": 101}).status_code == 422
    assert served.get("/items/", params={"skip": -1}).status_code == 422

    assert served.get(f"/items/{item['id']}").json() == item
    missing = served.get("/items/999999")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Item not found"})

    replaced = served.put(f"/items/{item['id']}", json={"title": "Quill"})
    assert (replaced.status_code, replaced.json()["title"]) == (200, "Quill")
    assert served.put("/items/999999", json={"title": "Quill"}).status_code == 404

    deleted = served.delete(f"/items/{item['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert served.delete(f"/items/{item['id']}").status_code == 404

    assert served.post("/items/", json={"title": ""}).status_code == 422
    assert served.post("/items/", content=b"not json", headers={"content-type": "application/json"}).status_code == 422
    assert served.get("/health").json() == {"status": "ok"}
    assert served.get("/openapi.json").json()["info"]["title"] == "Items Service"


def test_served_app_rejects_oversized_bodies(served: httpx.Client) -> None:
    response = served.post("/items/", content=b"x" * (1_048_576 + 1), headers={"content-type": "application/json"})

    assert response.status_code == 413
