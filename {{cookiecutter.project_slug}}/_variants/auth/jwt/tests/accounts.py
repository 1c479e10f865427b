{% from "variant.jinja" import is_async, slug, async, Session, sessionmaker with context %}
"""Users for tests: added straight to the database (no Argon2 hashing per test), and their access tokens."""

from functools import cache

{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
{% else %}
from sqlalchemy.orm import Session, sessionmaker
{% endif %}

from {{ slug }}.auth import PASSWORDS, access_token
from {{ slug }}.config import Settings
from {{ slug }}.models import User

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
