{% from "variant.jinja" import async, await with context %}
"""/auth/: register, log in (OAuth2 password flow), refresh and log out.

Each request is one transaction. Refusals that must be stored (a failed login, a reused
refresh token revoking its family) are returned as responses, not raised, so that the
transaction commits.
"""

import logging
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, ConfigDict

from .. import crud, users
from ..auth import access_token, active_user, check_password
from ..config import Settings
from ..errors import BODY_ERRORS, DATABASE_ERRORS, WRITE_ERRORS, Responses
from ..models import User
from ..schemas import Problem, as_utc
from ..sessions import SessionDep
from .users import UserOut

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/auth", tags=["auth"], responses=DATABASE_ERRORS)

REFUSED: Responses = {401: {"model": Problem, "description": "Wrong credentials, or a token that is no longer valid"}}
CLOSED: Responses = {404: {"model": Problem, "description": "Registration is closed"}}
THROTTLED: Responses = {429: {"model": Problem, "description": "Too many failed logins: wait for Retry-After seconds"}}


class Registration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: users.Email
    password: users.Password


class Tokens(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int  # seconds
    refresh_token: str


class RefreshTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str


def refused(detail: str) -> Response:
    return JSONResponse({"detail": detail}, status.HTTP_401_UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})


def tokens(settings: Settings, user_id: int, refresh_token: str, now: datetime) -> Tokens:
    return Tokens(
        access_token=access_token(settings, user_id, now),
        expires_in=settings.access_token_minutes * 60,
        refresh_token=refresh_token,
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses=CLOSED | WRITE_ERRORS | BODY_ERRORS,
)
{{ async }}def register(data: Registration, request: Request, db: SessionDep) -> User:
    """Open only with AUTH_OPEN_REGISTRATION=true; an email taken already is a 409."""
    if not request.app.state.settings.auth_open_registration:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    return {{ await }}users.create_user(db, data.email, data.password)


@router.post("/token", response_model=Tokens, responses=REFUSED | THROTTLED)
{{ async }}def log_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, db: SessionDep
) -> Tokens | Response:
    """Exchange an email (``username``) and password for an access token and a refresh token."""
    settings: Settings = request.app.state.settings
    now = datetime.now(UTC)
    email = form.username.lower()
    address = request.client.host if request.client else "unknown"
    keys = [f"email:{email}", f"address:{address}"]
    {{ await }}crud.begin_write(db)
    if wait := {{ await }}users.seconds_throttled(db, settings, keys, now):
        return JSONResponse(
            {"detail": "Too many failed logins: try again later."},
            status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(wait)},
        )
    user = {{ await }}users.user_by_email(db, email)
    # An unknown email is checked against a dummy hash: it takes as long as a wrong password.
    valid, new_hash = {{ await }}check_password(form.password, user.password_hash if user else None)
    if not valid or user is None:
        {{ await }}users.record_failure(db, settings, keys, now)
        return refused("Incorrect email or password")
    if not user.is_active:
        return refused("Incorrect email or password")
    if new_hash is not None:
        user.password_hash = new_hash  # hashed again with the current parameters
    {{ await }}users.forget_failures(db, keys[0])
    refresh_token = {{ await }}users.issue_refresh_token(db, settings, user.id, now)
    return tokens(settings, user.id, refresh_token, now)


@router.post("/refresh", response_model=Tokens, responses=REFUSED | BODY_ERRORS)
{{ async }}def refresh(data: RefreshTokenIn, request: Request, db: SessionDep) -> Tokens | Response:
    """Rotate: the refresh token sent stops working, and a new one comes with the new access token.

    A rotated token sent again means that two parties hold it: the whole family (that login's
    chain of refresh tokens) is revoked, so the thief's next refresh and the user's both fail.
    """
    settings: Settings = request.app.state.settings
    now = datetime.now(UTC)
    {{ await }}crud.begin_write(db)
    stored = {{ await }}users.refresh_token_by_value(db, data.refresh_token)
    if stored is None or stored.revoked_at is not None or as_utc(stored.expires_at) <= now:
        return refused("The refresh token is invalid, expired or revoked")
    if stored.used_at is not None:
        logger.warning("a rotated refresh token was used again: its family is revoked (user %s)", stored.user_id)
        {{ await }}users.revoke_family(db, stored.family, now)
        return refused("The refresh token is invalid, expired or revoked")
    user = {{ await }}active_user(db, stored.user_id)  # a 401 if deactivated; nothing is written yet
    stored.used_at = now
    refresh_token = {{ await }}users.issue_refresh_token(db, settings, user.id, now, stored.family)
    return tokens(settings, user.id, refresh_token, now)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, response_class=Response, responses=BODY_ERRORS)
{{ async }}def log_out(data: RefreshTokenIn, db: SessionDep) -> None:
    """Revoke the refresh token's family: that login's refresh tokens stop working (its access token expires)."""
    {{ await }}crud.begin_write(db)
    stored = {{ await }}users.refresh_token_by_value(db, data.refresh_token)
    if stored is not None:
        {{ await }}users.revoke_family(db, stored.family, datetime.now(UTC))
