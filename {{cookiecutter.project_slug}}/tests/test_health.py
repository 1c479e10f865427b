"""/health answers after a real round trip to the database."""

from httpx import AsyncClient


async def test_health_is_ok_when_the_database_answers(client: AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_health_is_503_when_the_database_cannot_be_reached(unreachable_client: AsyncClient) -> None:
    response = await unreachable_client.get("/health")

    assert response.status_code == 503
    assert response.headers["retry-after"].isdigit()
