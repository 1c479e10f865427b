{% from "variant.jinja" import is_async, async, await, Session with context %}
"""The /items/ resource."""

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Path, Query, Response, status
from pydantic import Field, TypeAdapter
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncSession
{% else %}
from sqlalchemy.orm import Session
{% endif %}

from .. import crud
from ..db import ReadSessionDep, SessionDep
from ..errors import BODY_ERRORS, DATABASE_ERRORS, WRITE_ERRORS, Responses
from ..models import Item
from ..schemas import Expand, Int32Param, ItemIn, ItemOut, ItemWithNotesOut, Problem

router = APIRouter(prefix="/items", tags=["items"], responses=DATABASE_ERRORS)

NOT_FOUND: Responses = {404: {"model": Problem, "description": "Item not found"}}

# Ids outside the primary key's range get a 422 here, not an error from the database.
ItemId = Annotated[Int32Param, Path(ge=1)]

PRECONDITION_FAILED: Responses = {
    412: {"model": Problem, "description": "The item has changed since the client read it (If-Match)"},
}
# `If-Match: "<version>"` (an ETag this API returned) or `*`: write only if the item is unchanged.
IfMatch = Annotated[str | None, Header(description='An ETag of the item, such as `"3"`, or `*`')]
ExpandQuery = Annotated[Expand | None, Query(description="Include the items' notes")]
# Unexpanded items are ORM objects, which only ItemOut (tried first) may read: their notes are
# not loaded. Expanded ones are serialised by the handler (see `expanded`).
MaybeExpanded = Annotated[ItemOut | ItemWithNotesOut, Field(union_mode="left_to_right")]
EXPANDED_ITEM = TypeAdapter(ItemWithNotesOut)
EXPANDED_ITEMS = TypeAdapter(list[ItemWithNotesOut])


def etag(item: Item) -> str:
    return f'"{item.version}"'


def check_if_match(if_match: str | None, item: Item) -> None:
    """412 unless ``If-Match`` is absent, ``*`` or lists the item's ETag (RFC 9110, strong comparison)."""
    if if_match is not None and not {"*", etag(item)} & {tag.strip() for tag in if_match.split(",")}:
        raise HTTPException(status.HTTP_412_PRECONDITION_FAILED, "The item has changed since it was read.")


def expanded(adapter: TypeAdapter[Any], value: object) -> Response:
    """The response for an expanded read, serialised here: FastAPI's validation would try ItemOut first."""
    body = adapter.dump_json(adapter.validate_python(value, from_attributes=True))
    return Response(body, media_type="application/json")


{{ async }}def get_item_or_404(db: {{ Session }}, item_id: int) -> Item:
{% if is_async %}
    # A plain function rather than a dependency: each dependency costs a little on every request.
{% else %}
    # A plain function rather than a dependency: each dependency costs a little on
    # every request, and a sync one also a trip through the thread pool.
{% endif %}
    item = {{ await }}crud.get_item(db, item_id)
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Item not found")
    return item


@router.post("/", status_code=status.HTTP_201_CREATED, response_model=ItemOut, responses=WRITE_ERRORS | BODY_ERRORS)
{{ async }}def create_item(data: ItemIn, db: SessionDep, response: Response) -> Item:
    item = {{ await }}crud.create_item(db, data)
    response.headers["ETag"] = etag(item)
    return item


@router.get("/", response_model=list[MaybeExpanded])
{{ async }}def list_items(
    db: ReadSessionDep,
    skip: Annotated[Int32Param, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
    expand: ExpandQuery = None,
) -> Sequence[Item] | Response:
    if expand:
        return expanded(EXPANDED_ITEMS, {{ await }}crud.list_items_with_notes(db, skip=skip, limit=limit))
    return {{ await }}crud.list_items(db, skip=skip, limit=limit)


@router.get("/{item_id}", response_model=MaybeExpanded, responses=NOT_FOUND)
{{ async }}def read_item(
    item_id: ItemId,
    db: ReadSessionDep,
    response: Response,
    expand: ExpandQuery = None,
) -> Item | Response:
    if expand:
        item = {{ await }}crud.get_item_with_notes(db, item_id)
        if item is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Item not found")
        return expanded(EXPANDED_ITEM, item)  # no ETag: it tags the item, not the item with its notes
    item = {{ await }}get_item_or_404(db, item_id)
    response.headers["ETag"] = etag(item)
    return item


@router.put(
    "/{item_id}", response_model=ItemOut, responses=NOT_FOUND | PRECONDITION_FAILED | WRITE_ERRORS | BODY_ERRORS
)
{{ async }}def replace_item(
    item_id: ItemId,
    data: ItemIn,
    db: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> Item:
    {{ await }}crud.begin_write(db)
    item = {{ await }}get_item_or_404(db, item_id)
    check_if_match(if_match, item)
    item = {{ await }}crud.replace_item(db, item, data)  # UPDATE ... WHERE version = <the version read>
    response.headers["ETag"] = etag(item)
    return item


# A plain Response: a 204 has no body, so no content type either.
@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND | PRECONDITION_FAILED | WRITE_ERRORS,
)
{{ async }}def delete_item(item_id: ItemId, db: SessionDep, if_match: IfMatch = None) -> None:
    {{ await }}crud.begin_write(db)
    item = {{ await }}get_item_or_404(db, item_id)
    check_if_match(if_match, item)
    {{ await }}crud.delete_item(db, item)  # its notes go with it (ON DELETE CASCADE)
