{% from "variant.jinja" import is_async, slug, async, await, Session, sessionmaker with context %}
"""Users for tests: added straight to the database (no Argon2 hashing per test), and their access tokens."""

{% if is_async %}
import asyncio
{% endif %}
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
{% else %}
from sqlalchemy.orm import Session, sessionmaker
{% endif %}

from {{ slug }}.auth import PASSWORDS, access_token
from {{ slug }}.config import Settings
from {{ slug }}.db import create_db_engine
from {{ slug }}.models import User
from {{ slug }}.sessions import create_session_factory

PASSWORD = "correct horse battery staple"


@cache
def password_hash() -> str:
    return PASSWORDS.hash(PASSWORD)


{{ async }}def add_user(factory: {{ sessionmaker }}[{{ Session }}], email: str, *, is_active: bool = True) -> User:
    """A user whose password is ``PASSWORD``, committed by a session of ``factory``."""
    {{ async }}with factory.begin() as session:
        user = User(email=email, password_hash=password_hash(), is_active=is_active)
        session.add(user)
    return user


def bearer(settings: Settings, user_id: int) -> dict[str, str]:
    """The Authorization header of a request by the user ``user_id``."""
    return {"Authorization": f"Bearer {access_token(settings, user_id)}"}


@asynccontextmanager
async def client_of(app: FastAPI, factory: {{ sessionmaker }}[{{ Session }}], email: str) -> AsyncIterator[AsyncClient]:
    """A client of ``app`` that sends the access token of a new user with ``email``, committed by ``factory``."""
    user = {{ await }}add_user(factory, email)
    headers = bearer(app.state.settings, user.id)
    async with AsyncClient(transport=ASGITransport(app), base_url="http://test", headers=headers) as client:
        yield client


{{ async }}def committed_user_headers(settings: Settings, email: str | None = None) -> dict[str, str]:
    """The Authorization header of a new user committed to ``settings``' database, for a server a test starts."""
    engine = create_db_engine(settings)
    email = email or f"client-{uuid.uuid4().hex[:12]}@example.com"
    user = {{ await }}add_user(create_session_factory(engine), email)
    {{ await }}engine.dispose()
    return bearer(settings, user.id)


def signed_in(settings: Settings, email: str | None = None) -> dict[str, str]:
    """``committed_user_headers``, for code outside the event loop (module fixtures, sync tests)."""
{% if is_async %}
    return asyncio.run(committed_user_headers(settings, email))
{% else %}
    return committed_user_headers(settings, email)
{% endif %}
