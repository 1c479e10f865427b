{% from "variant.jinja" import is_async, is_sqlite, async, await, Session with context %}
"""Passwords, access tokens and refresh tokens, and the dependencies that find the request's user.

Access tokens are JWTs signed with SECRET_KEY (HS256), short-lived and never stored; the user
they name is loaded on every request, so a deactivated user is refused at once. Refresh tokens
are random values that only the client keeps: the database stores their SHA-256 hashes (users.py).
"""

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated

import jwt
{% if is_async %}
from anyio import to_thread
{% endif %}
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from pwdlib import PasswordHash
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncSession
{% else %}
from sqlalchemy.orm import Session
{% endif %}

from .config import Settings
from .crud import begin_write
from .errors import Responses
from .models import User
from .schemas import Problem
from .sessions import ReadSessionDep, SessionDep

ALGORITHM = "HS256"
# Argon2id with pwdlib's current parameters; a hash made with older ones is replaced at login.
PASSWORDS = PasswordHash.recommended()
# /docs "Authorize" posts the login form here.
bearer_token = OAuth2PasswordBearer(tokenUrl="/auth/token")


def unauthorized(detail: str = "Not authenticated") -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


@cache
def dummy_hash() -> str:
    """A hash to verify against when the email is unknown, so that such a login costs what a wrong password does."""
    return PASSWORDS.hash(secrets.token_urlsafe())


{{ async }}def check_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """Whether ``password`` matches, and its new hash if the hashing parameters have changed.

    ``None`` (no such user) verifies against a dummy hash and fails, in the same time.
    """
{% if is_async %}
    # Argon2 takes tens of milliseconds of CPU: in a worker thread, not on the event loop.
    if password_hash is None:
        await to_thread.run_sync(PASSWORDS.verify, password, dummy_hash())
        return False, None
    return await to_thread.run_sync(PASSWORDS.verify_and_update, password, password_hash)
{% else %}
    if password_hash is None:
        PASSWORDS.verify(password, dummy_hash())
        return False, None
    return PASSWORDS.verify_and_update(password, password_hash)
{% endif %}


{{ async }}def hash_password(password: str) -> str:
{% if is_async %}
    return await to_thread.run_sync(PASSWORDS.hash, password)
{% else %}
    return PASSWORDS.hash(password)
{% endif %}


def access_token(settings: Settings, user_id: int, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + timedelta(minutes=settings.access_token_minutes),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def user_id_of(settings: Settings, token: str) -> int:
    """The user an access token names; 401 unless it is ours (signature, algorithm, issuer) and unexpired."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[ALGORITHM],  # never the token's own "alg": "none" and other keys' algorithms are refused
            issuer=settings.jwt_issuer,
            options={"require": ["sub", "exp", "iat", "jti", "iss"]},
        )
        return int(claims["sub"])
    except (jwt.InvalidTokenError, ValueError):
        raise unauthorized("The access token is invalid or has expired") from None


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_hash(token: str) -> str:
    # A random 256-bit value needs no slow hash: SHA-256 cannot be reversed, and a lookup by it is one index probe.
    return hashlib.sha256(token.encode()).hexdigest()


{{ async }}def active_user(db: {{ Session }}, user_id: int) -> User:
    user = {{ await }}db.get(User, user_id)
    if user is None or not user.is_active:
        raise unauthorized("The user is unknown or deactivated")
    return user


BearerToken = Annotated[str, Depends(bearer_token)]


{{ async }}def current_user(request: Request, token: BearerToken, db: SessionDep) -> User:
    """The request's user, loaded with the session the handler writes with (the request's only one).

    The transaction begins as a write (crud.begin_write) before the user is read, so later
    calls of begin_write in the handler find it begun{{ "; SQLite takes its write lock at BEGIN" if is_sqlite }}.
    """
    user_id = user_id_of(request.app.state.settings, token)
    {{ await }}begin_write(db)
    return {{ await }}active_user(db, user_id)


{{ async }}def current_reader(request: Request, token: BearerToken, db: ReadSessionDep) -> User:
    """The request's user, for handlers that only read: loaded with their read session."""
    return {{ await }}active_user(db, user_id_of(request.app.state.settings, token))


# Handlers that write take CurrentUser, those that only read take ReadingUser: each shares the
# session of its handler (FastAPI resolves SessionDep once per request), so one connection serves both.
CurrentUser = Annotated[User, Depends(current_user)]
ReadingUser = Annotated[User, Depends(current_reader)]
# Every route that takes CurrentUser or ReadingUser may answer this.
UNAUTHORIZED: Responses = {401: {"model": Problem, "description": "No valid access token, or the user is deactivated"}}
