"""Request and response bodies."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# Largest id the integer primary key can hold; larger ids get a 422, not a database error.
MAX_ID = 2_147_483_647


def storable(value: str) -> str:
    """Reject text the database cannot store (the NUL check is also in the schema's pattern)."""
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    return value


# The pattern publishes the NUL-byte rule in the OpenAPI schema.
Title = Annotated[str, Field(min_length=1, max_length=255, pattern="^[^\\x00]*$"), AfterValidator(storable)]
Description = Annotated[str, Field(max_length=10_000, pattern="^[^\\x00]*$"), AfterValidator(storable)]


class ItemIn(BaseModel):
    """Fields a client sends to create an item or to replace one (PUT)."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Description | None = None


class ItemOut(BaseModel):
    """An item as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str | None


class Health(BaseModel):
    status: Literal["ok"]


class Problem(BaseModel):
    """Body of every error response other than a 422 validation error."""

    detail: str


def as_utc(value: datetime) -> datetime:
    """Timestamps are UTC; SQLite returns them without a zone (CURRENT_TIMESTAMP)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


NoteBody = Annotated[str, Field(min_length=1, max_length=2_000, pattern="^[^\\x00]*$"), AfterValidator(storable)]
# Related resources a read may include (`?expand=notes`); any other value gets a 422.
Expand = Literal["notes"]


class NoteIn(BaseModel):
    """Fields a client sends to add a note to an item."""

    model_config = ConfigDict(extra="forbid")

    body: NoteBody


class NoteOut(BaseModel):
    """A note as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    item_id: int
    body: str
    created_at: Annotated[datetime, AfterValidator(as_utc)]


class ItemWithNotesOut(ItemOut):
    """An item with its notes, ordered by id (`?expand=notes`)."""

    notes: list[NoteOut]
