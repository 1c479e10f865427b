{% from "variant.jinja" import async, await with context %}
"""/users/me: the user the access token names."""

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, ConfigDict

from .. import users
from ..auth import UNAUTHORIZED, CurrentUser, ReadingUser, check_password, hash_password
from ..errors import BODY_ERRORS, DATABASE_ERRORS, Responses
from ..models import User
from ..schemas import Problem, TimestampOut
from ..sessions import SessionDep

router = APIRouter(prefix="/users", tags=["users"], responses=DATABASE_ERRORS | UNAUTHORIZED)

WRONG_PASSWORD: Responses = {400: {"model": Problem, "description": "The current password is wrong"}}


class UserOut(BaseModel):
    """A user as the API returns it: never the password's hash."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    is_active: bool
    created_at: TimestampOut


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str
    new_password: users.Password


@router.get("/me", response_model=UserOut)
{{ async }}def read_me(user: ReadingUser) -> User:
    return user


@router.put(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=WRONG_PASSWORD | BODY_ERRORS,
)
{{ async }}def change_password(data: PasswordChange, user: CurrentUser, db: SessionDep) -> None:
    """Set a new password; every refresh token of the user stops working (log in again everywhere)."""
    valid, _ = {{ await }}check_password(data.current_password, user.password_hash)
    if not valid:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "The current password is wrong")
    user.password_hash = {{ await }}hash_password(data.new_password)
    {{ await }}users.revoke_all_families(db, user.id, datetime.now(UTC))
