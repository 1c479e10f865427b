{% from "variant.jinja" import is_async, async, await, Session with context %}
"""The /items/ resource."""

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncSession
{% else %}
from sqlalchemy.orm import Session
{% endif %}

from .. import crud
from ..db import ReadSessionDep, SessionDep
from ..errors import BODY_ERRORS, DATABASE_ERRORS, WRITE_ERRORS, Responses
from ..models import Item
from ..schemas import Int32Param, ItemIn, ItemOut, Problem

router = APIRouter(prefix="/items", tags=["items"], responses=DATABASE_ERRORS)

NOT_FOUND: Responses = {404: {"model": Problem, "description": "Item not found"}}

# Ids outside the primary key's range get a 422 here, not an error from the database.
ItemId = Annotated[Int32Param, Path(ge=1)]


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
{{ async }}def create_item(data: ItemIn, db: SessionDep) -> Item:
    return {{ await }}crud.create_item(db, data)


@router.get("/", response_model=list[ItemOut])
{{ async }}def list_items(
    db: ReadSessionDep,
    skip: Annotated[Int32Param, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> Sequence[Item]:
    return {{ await }}crud.list_items(db, skip=skip, limit=limit)


@router.get("/{item_id}", response_model=ItemOut, responses=NOT_FOUND)
{{ async }}def read_item(item_id: ItemId, db: ReadSessionDep) -> Item:
    return {{ await }}get_item_or_404(db, item_id)


@router.put("/{item_id}", response_model=ItemOut, responses=NOT_FOUND | WRITE_ERRORS | BODY_ERRORS)
{{ async }}def replace_item(item_id: ItemId, data: ItemIn, db: SessionDep) -> Item:
    item = {{ await }}get_item_or_404(db, item_id)
    return {{ await }}crud.replace_item(db, item, data)


# A plain Response: a 204 has no body, so no content type either.
@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND | WRITE_ERRORS,
)
{{ async }}def delete_item(item_id: ItemId, db: SessionDep) -> None:
    item = {{ await }}get_item_or_404(db, item_id)
    {{ await }}crud.delete_item(db, item)
