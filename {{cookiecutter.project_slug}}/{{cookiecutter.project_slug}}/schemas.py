"""Request and response bodies, and field types that match the database's column types.

A value that passes these types fits its column, so the client gets a 422 naming the
field rather than a database error. For a new column, pick the type that matches it:

    Integer()   Int32 in a body, Int32Param in a path or query
    String(n)   Annotated[StorableText, Field(max_length=n)]
    Text()      Annotated[StorableText, Field(max_length=...)]: unbounded in the database, bounded here
"""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

# The range of Integer() columns (and of the integer primary key) in both databases.
INT32_MIN = -2_147_483_648
INT32_MAX = 2_147_483_647


def whole_number(value: object) -> object:
    """Take a JSON number with a zero fraction (309.0, a valid JSON-Schema integer) as an int."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def storable(value: str) -> str:
    """Reject text the database cannot store (the NUL check is also in the schema's pattern)."""
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    return value


# An Integer() column in a JSON body: whole numbers in the column's range; never true,
# false or "309", which Pydantic's lax mode would store as 1, 0 and 309.
# (The bounds come before the validator: so they stay on the integer, and the OpenAPI schema
# publishes them as minimum and maximum.)
Int32 = Annotated[int, Field(strict=True, ge=INT32_MIN, le=INT32_MAX), BeforeValidator(whole_number)]
# An Integer() in a path or query parameter, which arrives as text.
Int32Param = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX)]
# Text that any column can store; the pattern publishes the NUL-byte rule in the OpenAPI schema.
StorableText = Annotated[str, Field(pattern="^[^\\x00]*$"), AfterValidator(storable)]

Title = Annotated[StorableText, Field(min_length=1, max_length=255)]  # String(255)
Description = Annotated[StorableText, Field(max_length=10_000)]  # Text()


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
