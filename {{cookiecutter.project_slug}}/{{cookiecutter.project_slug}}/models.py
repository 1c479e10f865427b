{% from "variant.jinja" import has_auth with context %}
"""ORM models."""

from datetime import datetime
from typing import Any

{% if has_auth %}
from sqlalchemy import DateTime, ForeignKey, Index, MetaData, String, Text, func, orm, true
{% else %}
from sqlalchemy import DateTime, ForeignKey, MetaData, String, Text, func, orm
{% endif %}
from sqlalchemy.orm import DeclarativeBase, Mapped, Relationship, mapped_column

# Deterministic constraint names, so that migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def relationship(*args: Any, **kwargs: Any) -> Relationship[Any]:
    """``sqlalchemy.orm.relationship`` that never loads on attribute access (``lazy="raise"``).

    Every relationship of these models is declared with it (tests/test_loading.py checks),
    so a query that needs related rows says so (``selectinload``), and a forgotten one
    raises at once instead of running one query per row, or ``MissingGreenlet`` in async code.
    """
    kwargs.setdefault("lazy", "raise")
    return orm.relationship(*args, **kwargs)


{% if has_auth %}
class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-case (schemas.Email, users.create_user), so unique whatever the case it is typed in.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(server_default="1")

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}  # noqa: RUF012 - read once, when mapped


{% endif %}
class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
{% if has_auth %}
    # Each user sees and changes only their own items; deleting a user deletes them.
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
{% endif %}
    # Indexed for ?sort=title and ?title= (a title_contains search reads every row: LIKE '%...%').
    title: Mapped[str] = mapped_column(String(255), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    # Optimistic concurrency: every UPDATE and DELETE checks and bumps it (see version_id_col),
    # and responses carry it as the ETag.
    version: Mapped[int] = mapped_column(server_default="1")
    # The database deletes an item's notes (ON DELETE CASCADE), so the ORM need not load them.
    notes: Mapped[list["Note"]] = relationship(cascade="all, delete-orphan", passive_deletes=True, order_by="Note.id")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once, when mapped


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    # INSERT ... RETURNING fills in created_at, so reading it never goes back to the database.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 - read once, when mapped
{% if has_auth %}


class RefreshToken(Base):
    """A refresh token, stored only as its SHA-256 hash; each rotation adds one to the login's family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family: Mapped[str] = mapped_column(String(32), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # rotated: a second use is theft
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginFailure(Base):
    """A failed login, once for its account ("email:...") and once for its client address ("address:...")."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_login_failures_key_failed_at", "key", "failed_at"),)
{% endif %}
