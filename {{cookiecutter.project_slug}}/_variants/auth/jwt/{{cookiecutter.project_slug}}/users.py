{% from "variant.jinja" import is_async, slug, async, await, Session with context %}
"""Users, their refresh tokens and their failed logins; and the command that creates users
(it reads the password from stdin):

    python -m {{ slug }}.users create EMAIL

The functions flush but never commit: the request's session does (as in crud.py).
"""

import argparse
{% if is_async %}
import asyncio
{% endif %}
import getpass
import math
import sys
import uuid
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field, TypeAdapter, ValidationError
from sqlalchemy import delete, exc, func, select, update
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncSession
{% else %}
from sqlalchemy.orm import Session
{% endif %}

from .auth import hash_password, new_refresh_token, refresh_token_hash
from .config import Settings, get_settings
from .db import create_db_engine
from .models import LoginFailure, RefreshToken, User
from .schemas import as_utc
from .sessions import create_session_factory

# Stored lower-case: one account per address, however it is typed.
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@ \t\n\r\x00]+@[^@ \t\n\r\x00]+$"), AfterValidator(str.lower)]
# NIST SP 800-63B: at least 8 characters, long passphrases welcome, no rules about their composition.
Password = Annotated[str, Field(min_length=8, max_length=1024)]


{{ async }}def create_user(session: {{ Session }}, email: str, password: str) -> User:
    """Add a user; an email already taken fails the flush (IntegrityError)."""
    user = User(email=email, password_hash={{ await }}hash_password(password))
    session.add(user)
    {{ await }}session.flush()
    return user


{{ async }}def user_by_email(session: {{ Session }}, email: str) -> User | None:
    return {{ await }}session.scalar(select(User).where(User.email == email))


{{ async }}def seconds_throttled(session: {{ Session }}, settings: Settings, keys: list[str], now: datetime) -> int:
    """How long logins for ``keys`` must wait (0: they need not): each has its own count of failures.

    Once a key has ``login_max_failures`` failures within the window, it waits until the oldest
    of them leaves the window.
    """
    window = timedelta(seconds=settings.login_failure_window)
    statement = (
        select(func.min(LoginFailure.failed_at))
        .where(LoginFailure.key.in_(keys), LoginFailure.failed_at > now - window)
        .group_by(LoginFailure.key)
        .having(func.count() >= settings.login_max_failures)
    )
    oldest = ({{ await }}session.scalars(statement)).all()
    if not oldest:
        return 0
    return max(1, math.ceil(max((as_utc(first) + window - now).total_seconds() for first in oldest)))


{{ async }}def record_failure(session: {{ Session }}, settings: Settings, keys: list[str], now: datetime) -> None:
    """Count a failed login against each of ``keys``, and forget their failures that have left the window."""
    cutoff = now - timedelta(seconds=settings.login_failure_window)
    {{ await }}session.execute(delete(LoginFailure).where(LoginFailure.key.in_(keys), LoginFailure.failed_at <= cutoff))
    session.add_all([LoginFailure(key=key, failed_at=now) for key in keys])
    {{ await }}session.flush()


{{ async }}def forget_failures(session: {{ Session }}, key: str) -> None:
    {{ await }}session.execute(delete(LoginFailure).where(LoginFailure.key == key))


{{ async }}def issue_refresh_token(
    session: {{ Session }}, settings: Settings, user_id: int, now: datetime, family: str | None = None
) -> str:
    """A new refresh token for ``user_id``, in ``family`` (a login's chain of rotations) or a new one."""
    token = new_refresh_token()
    session.add(
        RefreshToken(
            user_id=user_id,
            family=family or uuid.uuid4().hex,
            token_hash=refresh_token_hash(token),
            expires_at=now + timedelta(days=settings.refresh_token_days),
        )
    )
    {{ await }}session.flush()
    return token


{{ async }}def refresh_token_by_value(session: {{ Session }}, token: str) -> RefreshToken | None:
    """The stored token, locked until the transaction ends: two rotations of one token queue."""
    statement = select(RefreshToken).where(RefreshToken.token_hash == refresh_token_hash(token)).with_for_update()
    return {{ await }}session.scalar(statement)


{{ async }}def revoke_family(session: {{ Session }}, family: str, now: datetime) -> None:
    unrevoked = (RefreshToken.family == family) & RefreshToken.revoked_at.is_(None)
    {{ await }}session.execute(update(RefreshToken).where(unrevoked).values(revoked_at=now))


{{ async }}def revoke_all_families(session: {{ Session }}, user_id: int, now: datetime) -> None:
    unrevoked = (RefreshToken.user_id == user_id) & RefreshToken.revoked_at.is_(None)
    {{ await }}session.execute(update(RefreshToken).where(unrevoked).values(revoked_at=now))


def read_password() -> str:
    """The password: asked for twice on a terminal, else the first line of stdin."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != password:
        raise ValueError("the passwords differ")
    return password


{{ async }}def create_command(settings: Settings, email: str, password: str) -> int:
    engine = create_db_engine(settings)
    try:
        {{ async }}with create_session_factory(engine).begin() as session:
            user = {{ await }}create_user(session, email, password)
    except exc.IntegrityError:
        print(f"A user with the email {email} exists already.", file=sys.stderr)
        return 1
    finally:
        {{ await }}engine.dispose()
    print(f"Created user {user.id} ({user.email}).")
    return 0


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m {{ slug }}.users",
        description="Manage users.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a user; the password is read from stdin")
    create.add_argument("email")
    arguments = parser.parse_args(argv)
    try:
        email = TypeAdapter(Email).validate_python(arguments.email)
        password = TypeAdapter(Password).validate_python(read_password())
    except ValidationError as error:
        print(f"Refused: {error.errors()[0]['msg']}.", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"Refused: {error}.", file=sys.stderr)
        return 2
{% if is_async %}
    return asyncio.run(create_command(settings or get_settings(), email, password))
{% else %}
    return create_command(settings or get_settings(), email, password)
{% endif %}


if __name__ == "__main__":
    sys.exit(main())
