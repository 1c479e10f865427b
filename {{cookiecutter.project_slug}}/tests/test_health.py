"""/health answers after a real round trip to the database."""

from fastapi import FastAPI
from httpx import AsyncClient

from {{ cookiecutter.project_slug }}.config import Settings
from {{ cookiecutter.project_slug }}.db import create_db_engine, create_session_factory, get_session_factory


async def test_health_is_ok_when_the_database_answers(client: AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_health_is_503_when_the_database_cannot_be_reached(app: FastAPI, client: AsyncClient) -> None:
{% if cookiecutter.database == "postgresql" %}
    unreachable = Settings(database_url="postgresql://postgres@127.0.0.1:9/nowhere")
{% else %}
    unreachable = Settings(database_url="sqlite:////nonexistent-directory/nowhere.db")
{% endif %}
    engine = create_db_engine(unreachable)
    app.dependency_overrides[get_session_factory] = lambda: create_session_factory(engine)

    response = await client.get("/health")

    assert response.status_code == 503
    assert response.headers["retry-after"].isdigit()
    assert "try again" in response.json()["detail"]
