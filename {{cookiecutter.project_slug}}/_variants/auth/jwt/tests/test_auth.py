{% from "variant.jinja" import slug, async, await, Session, sessionmaker, is_async with context %}
"""Registration, login, access tokens, refresh-token rotation, logout and password changes."""

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from accounts import PASSWORD, add_user, bearer
from fastapi import FastAPI
from httpx import AsyncClient, Response
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import SecretStr, ValidationError
from sqlalchemy import select, update
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
{% else %}
from sqlalchemy.orm import Session, sessionmaker
{% endif %}

from {{ slug }} import auth
from {{ slug }}.config import Settings
from {{ slug }}.main import create_app
from {{ slug }}.models import LoginFailure, User

Factory = {{ sessionmaker }}[{{ Session }}]


def claims(settings: Settings, sub: str, **changes: Any) -> dict[str, Any]:
    """The claims of a valid access token for the user ``sub``, with ``changes``."""
    now = datetime.now(UTC)
    valid = {"sub": sub, "iss": settings.jwt_issuer, "iat": now, "exp": now + timedelta(minutes=5), "jti": "x"}
    return {**valid, **changes}


def signed(settings: Settings, sub: str, **changes: Any) -> str:
    return jwt.encode(claims(settings, sub, **changes), settings.secret_key.get_secret_value(), algorithm="HS256")


def tampered(settings: Settings, sub: str) -> str:
    """A valid token with one character of its signature changed."""
    header, payload, signature = signed(settings, sub).split(".")
    return f"{header}.{payload}.{'B' if signature.startswith('A') else 'A'}{signature[1:]}"


async def log_in(client: AsyncClient, email: str, password: str = PASSWORD) -> Response:
    return await client.post("/auth/token", data={"username": email, "password": password})


async def tokens(client: AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await log_in(client, email, password)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def refresh(client: AsyncClient, refresh_token: str) -> Response:
    return await client.post("/auth/refresh", json={"refresh_token": refresh_token})


def open_registration(app: FastAPI) -> None:
    app.state.settings = app.state.settings.model_copy(update={"auth_open_registration": True})


def test_the_app_refuses_a_missing_or_short_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY")
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(_env_file=None)
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        Settings(secret_key=SecretStr("too-short"))


async def test_registration_is_closed_by_default(anonymous_client: AsyncClient) -> None:
    response = await anonymous_client.post("/auth/register", json={"email": "a@example.com", "password": "long enough"})

    assert response.status_code == 404


async def test_open_registration_creates_a_user_without_showing_the_hash(
    app: FastAPI, anonymous_client: AsyncClient
) -> None:
    open_registration(app)

    response = await anonymous_client.post("/auth/register", json={"email": "Ann@Example.com", "password": "x" * 128})
    again = await anonymous_client.post("/auth/register", json={"email": "ANN@example.com", "password": "y" * 8})

    assert response.status_code == 201, response.text
    assert set(response.json()) == {"id", "email", "is_active", "created_at"}
    assert response.json()["email"] == "ann@example.com"
    assert again.status_code == 409  # the same address, whatever its case
    assert (await log_in(anonymous_client, "ann@EXAMPLE.com", "x" * 128)).status_code == 200


async def test_registration_refuses_a_password_under_8_characters(app: FastAPI, anonymous_client: AsyncClient) -> None:
    open_registration(app)

    response = await anonymous_client.post("/auth/register", json={"email": "a@example.com", "password": "1234567"})

    assert response.status_code == 422


async def test_a_login_returns_an_access_and_a_refresh_token(
    anonymous_client: AsyncClient, session_factory: Factory
) -> None:
    user = {{ await }}add_user(session_factory, "ann@example.com")

    body = await tokens(anonymous_client, "ann@example.com")
    me = await anonymous_client.get("/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})

    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert me.status_code == 200
    assert me.json()["id"] == user.id
    assert "password_hash" not in me.json()


@pytest.mark.parametrize("email", ["ann@example.com", "nobody@example.com"])
async def test_a_wrong_password_or_an_unknown_email_is_401(
    anonymous_client: AsyncClient, session_factory: Factory, email: str
) -> None:
    {{ await }}add_user(session_factory, "ann@example.com")

    response = await log_in(anonymous_client, email, "wrong password")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"detail": "Incorrect email or password"}


async def test_an_unknown_email_is_checked_against_a_dummy_hash(
    anonymous_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So that it takes as long as a wrong password: the response time does not tell who has an account."""
    verified: list[str] = []
    verify = auth.PASSWORDS.verify

    def spy(password: str, hash: str) -> bool:
        verified.append(hash)
        return verify(password, hash)

    monkeypatch.setattr(auth.PASSWORDS, "verify", spy)

    response = await log_in(anonymous_client, "nobody@example.com", "some password")

    assert response.status_code == 401
    assert verified == [auth.dummy_hash()]


@pytest.mark.slow
async def test_an_unknown_email_takes_as_long_as_a_wrong_password(
    app: FastAPI, anonymous_client: AsyncClient, session_factory: Factory
) -> None:
    """Timed: a login's response time does not tell whether the email has an account."""
    app.state.settings = app.state.settings.model_copy(update={"login_max_failures": 100})
    {{ await }}add_user(session_factory, "ann@example.com")
    auth.dummy_hash()  # made once per process, at the first unknown email
    seconds: dict[str, list[float]] = {"ann@example.com": [], "nobody@example.com": []}
    for _ in range(5):
        for email, taken in seconds.items():
            start = time.perf_counter()
            response = await log_in(anonymous_client, email, "wrong password")
            taken.append(time.perf_counter() - start)
            assert response.status_code == 401

    known, unknown = (statistics.median(taken) for taken in seconds.values())
    assert 0.5 < unknown / known < 2, f"unknown email: {unknown * 1000:.1f} ms, wrong password: {known * 1000:.1f} ms"


async def test_a_deactivated_user_cannot_log_in(anonymous_client: AsyncClient, session_factory: Factory) -> None:
    {{ await }}add_user(session_factory, "ann@example.com", is_active=False)

    assert (await log_in(anonymous_client, "ann@example.com")).status_code == 401


async def test_a_deactivated_users_access_token_stops_working_at_once(
    client: AsyncClient, session_factory: Factory
) -> None:
    assert (await client.get("/items/")).status_code == 200
    {{ async }}with session_factory.begin() as session:
        user = {{ await }}session.scalar(select(User).where(User.email == "owner@example.com"))
        assert user is not None
        user.is_active = False

    response = await client.get("/items/")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_login_rehashes_a_password_hashed_with_older_parameters(
    anonymous_client: AsyncClient, session_factory: Factory
) -> None:
    weaker = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8192),)).hash(PASSWORD)
    {{ async }}with session_factory.begin() as session:
        session.add(User(email="ann@example.com", password_hash=weaker))

    await tokens(anonymous_client, "ann@example.com")

    {{ async }}with session_factory() as session:
        stored = {{ await }}session.scalar(select(User.password_hash).where(User.email == "ann@example.com"))
    assert stored != weaker
    assert stored is not None
    assert auth.PASSWORDS.verify_and_update(PASSWORD, stored) == (True, None)  # the current parameters


def without_jti(settings: Settings, sub: str) -> str:
    token_claims = {key: value for key, value in claims(settings, sub).items() if key != "jti"}
    return jwt.encode(token_claims, settings.secret_key.get_secret_value(), algorithm="HS256")


async def test_a_valid_access_token_is_accepted(
    anonymous_client: AsyncClient, app: FastAPI, session_factory: Factory
) -> None:
    """What the tests below change, one thing each."""
    user = {{ await }}add_user(session_factory, "ann@example.com")
    headers = {"Authorization": f"Bearer {signed(app.state.settings, str(user.id))}"}

    assert (await anonymous_client.get("/items/", headers=headers)).status_code == 200


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda s, sub: signed(s, sub, exp=datetime.now(UTC) - timedelta(seconds=1)), id="expired"),
        pytest.param(tampered, id="tampered"),
        pytest.param(lambda s, sub: jwt.encode(claims(s, sub), None, algorithm="none"), id="alg-none"),
        pytest.param(lambda s, sub: signed(s, sub, iss="someone-else"), id="wrong-issuer"),
        pytest.param(lambda s, sub: jwt.encode(claims(s, sub), "another-secret-of-at-least-32-bytes!"), id="other-key"),
        pytest.param(lambda s, sub: signed(s, "not-a-number"), id="bad-subject"),
        pytest.param(without_jti, id="no-jti"),
    ],
)
async def test_a_bad_access_token_is_401(
    anonymous_client: AsyncClient, app: FastAPI, session_factory: Factory, token: Any
) -> None:
    user = {{ await }}add_user(session_factory, "ann@example.com")
    headers = {"Authorization": f"Bearer {token(app.state.settings, str(user.id))}"}

    response = await anonymous_client.get("/items/", headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path"), [("GET", "/items/"), ("POST", "/items/"), ("GET", "/items/1/notes")])
async def test_items_and_notes_need_a_token(anonymous_client: AsyncClient, method: str, path: str) -> None:
    response = await anonymous_client.request(method, path, json={"title": "Pen"} if method == "POST" else None)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_token_for_a_user_that_does_not_exist_is_401(anonymous_client: AsyncClient, app: FastAPI) -> None:
    response = await anonymous_client.get("/items/", headers=bearer(app.state.settings, 999_999))

    assert response.status_code == 401


async def test_a_refresh_rotates_the_refresh_token(anonymous_client: AsyncClient, session_factory: Factory) -> None:
    {{ await }}add_user(session_factory, "ann@example.com")
    first = await tokens(anonymous_client, "ann@example.com")

    response = await refresh(anonymous_client, first["refresh_token"])

    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    me = await anonymous_client.get("/users/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert me.status_code == 200
    assert (await refresh(anonymous_client, second["refresh_token"])).status_code == 200


async def test_reusing_a_rotated_refresh_token_revokes_its_family(
    anonymous_client: AsyncClient, session_factory: Factory
) -> None:
    {{ await }}add_user(session_factory, "ann@example.com")
    stolen = (await tokens(anonymous_client, "ann@example.com"))["refresh_token"]
    other_login = (await tokens(anonymous_client, "ann@example.com"))["refresh_token"]
    users_next = (await refresh(anonymous_client, stolen)).json()["refresh_token"]  # the user rotates it

    thief = await refresh(anonymous_client, stolen)  # the thief uses the rotated one

    assert thief.status_code == 401
    assert thief.headers["www-authenticate"] == "Bearer"
    assert (await refresh(anonymous_client, users_next)).status_code == 401  # the whole family is revoked
    assert (await refresh(anonymous_client, other_login)).status_code == 200  # another login's family is not


async def test_a_deactivated_users_refresh_token_is_refused(
    anonymous_client: AsyncClient, session_factory: Factory
) -> None:
    {{ await }}add_user(session_factory, "ann@example.com")
    refresh_token = (await tokens(anonymous_client, "ann@example.com"))["refresh_token"]
    {{ async }}with session_factory.begin() as session:
        user = {{ await }}session.scalar(select(User).where(User.email == "ann@example.com"))
        assert user is not None
        user.is_active = False

    response = await refresh(anonymous_client, refresh_token)

    assert response.status_code == 401
    assert response.json() == {"detail": "The user is unknown or deactivated"}
    assert response.headers["www-authenticate"] == "Bearer"


async def test_an_unknown_refresh_token_is_401(anonymous_client: AsyncClient) -> None:
    assert (await refresh(anonymous_client, "not-a-token-we-issued")).status_code == 401


async def test_logout_revokes_the_refresh_tokens_family(
    anonymous_client: AsyncClient, session_factory: Factory
) -> None:
    {{ await }}add_user(session_factory, "ann@example.com")
    first = (await tokens(anonymous_client, "ann@example.com"))["refresh_token"]
    second = (await refresh(anonymous_client, first)).json()["refresh_token"]

    response = await anonymous_client.post("/auth/logout", json={"refresh_token": second})

    assert response.status_code == 204
    assert (await refresh(anonymous_client, second)).status_code == 401


async def test_a_password_change_needs_the_current_password_and_revokes_every_refresh_token(
    anonymous_client: AsyncClient, session_factory: Factory
) -> None:
    {{ await }}add_user(session_factory, "ann@example.com")
    logins = [await tokens(anonymous_client, "ann@example.com") for _ in range(2)]
    headers = {"Authorization": f"Bearer {logins[0]['access_token']}"}
    change = {"current_password": PASSWORD, "new_password": "a new passphrase"}

    wrong = await anonymous_client.put(
        "/users/me/password", json={**change, "current_password": "nope"}, headers=headers
    )
    changed = await anonymous_client.put("/users/me/password", json=change, headers=headers)

    assert wrong.status_code == 400
    assert changed.status_code == 204
    assert [(await refresh(anonymous_client, login["refresh_token"])).status_code for login in logins] == [401, 401]
    assert (await log_in(anonymous_client, "ann@example.com")).status_code == 401
    assert (await log_in(anonymous_client, "ann@example.com", "a new passphrase")).status_code == 200


async def test_failed_logins_are_throttled_with_retry_after_then_allowed_again(
    app: FastAPI, anonymous_client: AsyncClient, session_factory: Factory
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"login_max_failures": 3, "login_failure_window": 600})
    {{ await }}add_user(session_factory, "ann@example.com")

    failures = [(await log_in(anonymous_client, "ann@example.com", "wrong")).status_code for _ in range(3)]
    throttled = await log_in(anonymous_client, "ann@example.com")  # even the right password waits
    {{ async }}with session_factory.begin() as session:  # the window passes
        {{ await }}session.execute(update(LoginFailure).values(failed_at=LoginFailure.failed_at - timedelta(seconds=600)))
    after = await log_in(anonymous_client, "ann@example.com")

    assert failures == [401, 401, 401]
    assert throttled.status_code == 429
    assert 590 < int(throttled.headers["retry-after"]) <= 600
    assert after.status_code == 200


async def test_failed_logins_are_throttled_per_client_address_across_accounts(
    app: FastAPI, anonymous_client: AsyncClient, session_factory: Factory
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"login_max_failures": 2})
    {{ await }}add_user(session_factory, "ann@example.com")

    for email in ("a@example.com", "b@example.com"):
        assert (await log_in(anonymous_client, email, "guess")).status_code == 401

    assert (await log_in(anonymous_client, "ann@example.com")).status_code == 429


def test_openapi_declares_the_oauth2_password_flow() -> None:
    components = create_app().openapi()["components"]["securitySchemes"]

    assert components == {
        "OAuth2PasswordBearer": {"type": "oauth2", "flows": {"password": {"scopes": {}, "tokenUrl": "/auth/token"}}}
    }
