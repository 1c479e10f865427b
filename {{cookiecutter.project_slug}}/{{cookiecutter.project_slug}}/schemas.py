"""Request and response bodies."""

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
