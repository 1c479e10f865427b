{% from "variant.jinja" import is_async, async, await, Session, has_auth with context %}
"""The /items/ resource."""

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, Query, Request, Response, status
from pydantic import Field, TypeAdapter
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncSession
{% else %}
from sqlalchemy.orm import Session
{% endif %}

from .. import crud
{% if has_auth %}
from ..auth import UNAUTHORIZED, CurrentUser, ReadingUser
{% endif %}
from ..errors import BODY_ERRORS, DATABASE_ERRORS, WRITE_ERRORS, Responses
from ..listing import PAGE_HEADERS, page_headers
from ..models import Item{{ ", User" if has_auth }}
from ..resources import (
    CREATED_TAGGED,
    MERGE_PATCH,
    NOT_MODIFIED,
    PRECONDITION_FAILED,
    TAGGED,
    TAKES_MERGE_PATCH,
    UNSUPPORTED_PATCH,
    IfMatch,
    IfNoneMatch,
    check_if_match,
    etag,
    not_modified,
)
from ..schemas import Int32Param, ItemExpand, ItemIn, ItemOut, ItemPatch, ItemQuery, ItemWithNotesOut, Problem
from ..sessions import ReadSessionDep, SessionDep

router = APIRouter(prefix="/items", tags=["items"], responses=DATABASE_ERRORS{{ " | UNAUTHORIZED" if has_auth }})

NOT_FOUND: Responses = {404: {"model": Problem, "description": "Item not found"}}

# Ids outside the primary key's range get a 422 here, not an error from the database.
ItemId = Annotated[Int32Param, Path(ge=1)]
# Unexpanded items are ORM objects, which only ItemOut (tried first) may read: their notes are
# not loaded. Expanded ones are serialised by the handler (see `expanded`).
MaybeExpanded = Annotated[ItemOut | ItemWithNotesOut, Field(union_mode="left_to_right")]
EXPANDED_ITEM = TypeAdapter(ItemWithNotesOut)
EXPANDED_ITEMS = TypeAdapter(list[ItemWithNotesOut])


def expanded(adapter: TypeAdapter[Any], value: object, headers: dict[str, str] | None = None) -> Response:
    """The response for an expanded read, serialised here: FastAPI's validation would try ItemOut first."""
    body = adapter.dump_json(adapter.validate_python(value, from_attributes=True))
    return Response(body, media_type="application/json", headers=headers)


{{ async }}def get_item_or_404(db: {{ Session }}, {{ "owner: User, " if has_auth }}item_id: int, expand: str | None = None) -> Item:
{% if is_async %}
    # A plain function rather than a dependency: each dependency costs a little on every request.
{% else %}
    # A plain function rather than a dependency: each dependency costs a little on
    # every request, and a sync one also a trip through the thread pool.
{% endif %}
    item = {{ await }}crud.get_item(db, item_id, expand)
    if item is None{{ " or item.owner_id != owner.id" if has_auth }}:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Item not found")
    return item


@router.post(
    "/",
    status_code=status.HTTP_201_CREATED,
    response_model=ItemOut,
    responses=CREATED_TAGGED | WRITE_ERRORS | BODY_ERRORS,
)
{{ async }}def create_item(data: ItemIn, db: SessionDep, response: Response{{ ", user: CurrentUser" if has_auth }}) -> Item:
    item = {{ await }}crud.create_item(db, {{ "user, " if has_auth }}data)
    response.headers["Location"] = router.url_path_for("read_item", item_id=str(item.id))
    response.headers["ETag"] = etag(item.version)
    return item


@router.get("/", response_model=list[MaybeExpanded], responses=PAGE_HEADERS)
{{ async }}def list_items(
    db: ReadSessionDep, request: Request, response: Response, query: Annotated[ItemQuery, Query()]{{ ", user: ReadingUser" if has_auth }}
) -> Sequence[Item] | Response:
    page = {{ await }}crud.list_items(db, {{ "user, " if has_auth }}query)
    headers = page_headers(request, page)
    if query.expand:
        return expanded(EXPANDED_ITEMS, page.rows, headers)
    response.headers.update(headers)
    return page.rows


@router.get("/{item_id}", response_model=MaybeExpanded, responses=TAGGED | NOT_MODIFIED | NOT_FOUND)
{{ async }}def read_item(
    item_id: ItemId,
    db: ReadSessionDep,
{% if has_auth %}
    user: ReadingUser,
{% endif %}
    response: Response,
    expand: Annotated[ItemExpand | None, Query(description="Include the item's newest notes")] = None,
    if_none_match: IfNoneMatch = None,
) -> Item | Response:
    item = {{ await }}get_item_or_404(db, {{ "user, " if has_auth }}item_id, expand)
    if expand:
        return expanded(EXPANDED_ITEM, item)  # no ETag: it tags the item, not the item with its notes
    tag = etag(item.version)
    if unchanged := not_modified(if_none_match, tag):
        return unchanged
    response.headers["ETag"] = tag
    return item


@router.put(
    "/{item_id}",
    response_model=ItemOut,
    responses=TAGGED | NOT_FOUND | PRECONDITION_FAILED | WRITE_ERRORS | BODY_ERRORS,
)
{{ async }}def replace_item(
    item_id: ItemId,
    data: ItemIn,
    db: SessionDep,
{% if has_auth %}
    user: CurrentUser,
{% endif %}
    response: Response,
    if_match: IfMatch = None,
) -> Item:
    {{ await }}crud.begin_write(db)
    item = {{ await }}get_item_or_404(db, {{ "user, " if has_auth }}item_id)
    check_if_match(if_match, etag(item.version), "item")
    item = {{ await }}crud.replace_item(db, item, data)  # UPDATE ... WHERE version = <the version read>
    response.headers["ETag"] = etag(item.version)
    return item


@router.patch(
    "/{item_id}",
    response_model=ItemOut,
    responses=TAGGED | NOT_FOUND | PRECONDITION_FAILED | WRITE_ERRORS | BODY_ERRORS | UNSUPPORTED_PATCH,
    dependencies=[TAKES_MERGE_PATCH],
)
{{ async }}def update_item(
    item_id: ItemId,
    patch: Annotated[ItemPatch, Body(media_type=MERGE_PATCH)],
    db: SessionDep,
{% if has_auth %}
    user: CurrentUser,
{% endif %}
    response: Response,
    if_match: IfMatch = None,
) -> Item:
    """Change some fields (JSON Merge Patch): the result is validated as a PUT's body is."""
    {{ await }}crud.begin_write(db)
    item = {{ await }}get_item_or_404(db, {{ "user, " if has_auth }}item_id)
    data = ItemIn.patched(item, patch)  # an invalid result is a 422 whatever If-Match says, as for PUT
    check_if_match(if_match, etag(item.version), "item")
    item = {{ await }}crud.replace_item(db, item, data)
    response.headers["ETag"] = etag(item.version)
    return item


# A plain Response: a 204 has no body, so no content type either.
@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND | PRECONDITION_FAILED | WRITE_ERRORS,
)
{{ async }}def delete_item(item_id: ItemId, db: SessionDep, {{ "user: CurrentUser, " if has_auth }}if_match: IfMatch = None) -> None:
    {{ await }}crud.begin_write(db)
    item = {{ await }}get_item_or_404(db, {{ "user, " if has_auth }}item_id)
    check_if_match(if_match, etag(item.version), "item")
    {{ await }}crud.delete_item(db, item)  # its notes go with it (ON DELETE CASCADE)
