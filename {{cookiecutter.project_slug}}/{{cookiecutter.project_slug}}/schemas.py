{% from "variant.jinja" import is_sqlite with context %}
"""Request and response bodies, and field types that match the database's column types.

A value that passes these types fits its column, so the client gets a 422 naming the
field rather than a database error. For a new column, pick the type that matches it:

    Integer()                   Int32 in a body, Int32Param in a path or query
    String(n)                   Annotated[StorableText, Field(max_length=n)]
    Text()                      Annotated[StorableText, Field(max_length=...)]: unbounded in the database, bounded here
    Numeric(12, 2)              Money: a decimal string such as "12.34" in and out (never a float)
    Boolean()                   Flag: true or false, never 1 or "yes"
    Date()                      Day: "2024-02-29"
    DateTime(timezone=True)     Timestamp: with its zone ("...Z", "...+02:00"), stored in UTC (TimestampOut out)

tests/test_field_types.py stores each in both databases and reads it back.
"""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

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

# Numeric(12, 2): up to 10 digits before the point and 2 after, as a JSON string, so that no
# client parses it into a float.
{% if is_sqlite %}
# SQLite has no decimal type: Numeric stores a float, which holds every such value exactly
# (15 significant digits would).
{% endif %}
MONEY_PATTERN = r"^-?\d{1,10}(\.\d{1,2})?$"


def money_text(value: object) -> object:
    """Take money as a decimal string (or a stored Decimal); never a JSON number, an exponent or a blank."""
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str) or not re.fullmatch(MONEY_PATTERN, value):
        raise ValueError('must be a decimal string such as "12.34": up to 10 digits, a point and up to 2 more')
    return value


def in_cents(value: Decimal) -> Decimal:
    """With its two decimal places, as the column returns it: "7" is stored, and shown, as "7.00"."""
    return value.quantize(CENT)


CENT = Decimal("0.01")
Money = Annotated[
    Decimal,
    Field(max_digits=12, decimal_places=2),
    BeforeValidator(money_text),
    AfterValidator(in_cents),
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["12.34"]}),
]
# Boolean(): JSON true or false only (lax mode would take 1, "yes" and "on").
Flag = Annotated[bool, Field(strict=True)]
# FastAPI validates a request's values (its decoded JSON, its query parameters) in Python
# mode, where a strict date or datetime takes no text at all: Day and Timestamp parse theirs.
DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_day(value: object) -> object:
    """Read "YYYY-MM-DD" text as a date; anything but text (or a stored date) then fails as not a date."""
    if isinstance(value, str):
        if not DAY_PATTERN.fullmatch(value):
            raise ValueError('must be a date such as "2024-02-29"')
        return date.fromisoformat(value)  # ValueError (a 422) for a day the month does not have
    return value


# Date(): "YYYY-MM-DD" only (lax mode would take a number of seconds since 1970).
Day = Annotated[date, Field(strict=True), BeforeValidator(iso_day)]


def iso_timestamp(value: object) -> object:
    """Read ISO 8601 text as a datetime (one without its zone is then refused); never a number."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError('must be a date and time with its zone, such as "2024-02-29T23:30:00Z"') from None
    return value


def in_utc(value: datetime) -> datetime:
    """The same instant in UTC{{ ": SQLite stores a timestamp's digits without its zone" if is_sqlite }}."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("must be between years 1 and 9999 in UTC") from None


def as_utc(value: datetime) -> datetime:
    """Timestamps are UTC{{ "; SQLite returns them without a zone (CURRENT_TIMESTAMP)" if is_sqlite }}."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# DateTime(timezone=True) in a body: an ISO 8601 string with its zone (a time without one is
# ambiguous); in a response, TimestampOut: UTC.
Timestamp = Annotated[AwareDatetime, Field(strict=True), BeforeValidator(iso_timestamp), AfterValidator(in_utc)]
TimestampOut = Annotated[datetime, AfterValidator(as_utc)]

Title = Annotated[StorableText, Field(min_length=1, max_length=255)]  # String(255)
Description = Annotated[StorableText, Field(max_length=10_000)]  # Text()


def without_null(schema: JsonSchemaValue) -> None:
    """Document ``X | None`` as ``X`` alone: ``anyOf: [X, null]`` becomes ``X``."""
    schema.update(schema.pop("anyOf")[0])


T = TypeVar("T")
# A patch's field that is required in the resource: it may be left out, but null (removing it)
# is refused by the merged result's validation, so the schema does not offer null. A plain
# ``T | None`` keeps a refused value's error at the field's own location.
Required = Annotated[T | None, Field(json_schema_extra=without_null)]


def merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7396: ``patch``'s members replace ``target``'s, null removes one, and objects merge member by member."""
    merged = dict(target)
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        elif isinstance(value, dict):
            inner = merged.get(name)
            merged[name] = merge_patch(inner if isinstance(inner, dict) else {}, value)
        else:
            merged[name] = value
    return merged


class Replacement(BaseModel):
    """A body with every writable field of a resource (POST, PUT), and so the result of a PATCH."""

    @classmethod
    def patched(cls, current: object, patch: BaseModel) -> Self:
        """``current``'s fields with ``patch`` merged in, validated as a PUT's body is (a 422 if invalid)."""
        stored = {name: getattr(current, name) for name in cls.model_fields}
        try:
            return cls.model_validate(merge_patch(stored, patch.model_dump(exclude_unset=True)))
        except ValidationError as error:
            raise RequestValidationError(
                [{**detail, "loc": ("body", *detail["loc"])} for detail in error.errors(include_url=False)]
            ) from None


class ItemIn(Replacement):
    """Fields a client sends to create an item or to replace one (PUT)."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Description | None = None


class ItemPatch(BaseModel):
    """A JSON Merge Patch of an item (RFC 7396): the fields to change; null removes an optional one.

    The merged result is validated as an ``ItemIn``: a required field may be left out, not removed.
    """

    model_config = ConfigDict(extra="forbid")

    title: Required[Title] = None
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


# Relationships of Item that a read may include (`?expand=notes`); any other value gets a 422.
ItemExpand = Literal["notes"]
NoteBody = Annotated[str, Field(min_length=1, max_length=2_000, pattern="^[^\\x00]*$"), AfterValidator(storable)]


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
    created_at: TimestampOut


class ItemWithNotesOut(ItemOut):
    """An item with its newest notes (at most ``EXPANDED_CHILDREN``), ordered by id (`?expand=notes`)."""

    notes: list[NoteOut]


class SortBy:
    """A ``sort`` query parameter: comma-separated ``fields``, each with ``-`` in front for descending.

    Each field is the name of a model attribute (listing.py orders by it); rows with equal
    values are ordered by id. Sort only by columns that are never NULL, with an index.
    """

    def __init__(self, *fields: str) -> None:
        self.fields = fields
        names = "|".join(fields)
        self.pattern = f"^-?({names})(,-?({names}))*$"

    def validate(self, value: str) -> str:
        unknown = [name for name in (part.removeprefix("-") for part in value.split(",")) if name not in self.fields]
        if unknown:
            refused = ", ".join(map(repr, unknown))
            raise ValueError(f"cannot sort by {refused}: sort by {', '.join(self.fields)}, each with - for descending")
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.validate, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = self.pattern
        json_schema["description"] = f"Comma-separated fields among {', '.join(self.fields)}; `-` in front: descending"
        return json_schema


class PageQuery(BaseModel):
    """The query parameters of every list endpoint (listing.py): a page, and its total on request."""

    after: Annotated[
        Int32Param | None, Field(description="The last id of the previous page: the `Link` header's next page")
    ] = None
    skip: Annotated[Int32Param, Field(ge=0, description="Rows to skip (after `after`)")] = 0
    limit: Annotated[int, Field(ge=1, le=100, description="Rows per page")] = 100
    count: Annotated[bool, Field(description="Add `X-Total-Count`: the rows that match the filters")] = False
    sort: str = "id"  # each resource's query names the fields it sorts by (SortBy)


class ItemQuery(PageQuery):
    """``GET /items/``: sort, filters and the relationship to include."""

    sort: Annotated[str, SortBy("id", "title")] = "id"
    title: Annotated[Title | None, Field(description="Items with exactly this title")] = None
    title_contains: Annotated[
        Title | None, Field(description="Items whose title contains this text, ignoring case")
    ] = None
    expand: Annotated[ItemExpand | None, Field(description="Include each item's newest notes")] = None


class NoteQuery(PageQuery):
    """``GET /items/{item_id}/notes``: sort and filters."""

    sort: Annotated[str, SortBy("id", "created_at")] = "id"
    created_after: Annotated[AwareDatetime | None, Field(description="Notes created after this time")] = None
