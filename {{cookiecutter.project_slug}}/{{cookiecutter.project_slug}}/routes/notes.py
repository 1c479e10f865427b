{% from "variant.jinja" import async, await with context %}
"""Notes on an item: /items/{item_id}/notes."""

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from sqlalchemy import exc

from .. import crud
from ..db import ReadSessionDep, SessionDep
from ..errors import BODY_ERRORS, DATABASE_ERRORS
from ..models import Note
from ..schemas import Int32Param, NoteIn, NoteOut, Problem
from .items import NOT_FOUND, ItemId, get_item_or_404

router = APIRouter(prefix="/items/{item_id}/notes", tags=["notes"], responses=DATABASE_ERRORS | NOT_FOUND)

NoteId = Annotated[Int32Param, Path(ge=1)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=NoteOut, responses=BODY_ERRORS)
{{ async }}def create_note(item_id: ItemId, data: NoteIn, db: SessionDep) -> Note:
    try:
        return {{ await }}crud.create_note(db, item_id, data)
    except exc.IntegrityError:
        # The one constraint a note can break is its foreign key (the body is validated, the
        # id generated): the item does not exist, or was deleted by a concurrent request.
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Item not found") from None


@router.get("", response_model=list[NoteOut])
{{ async }}def list_notes(
    item_id: ItemId,
    db: ReadSessionDep,
    skip: Annotated[Int32Param, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> Sequence[Note]:
    {{ await }}get_item_or_404(db, item_id)
    return {{ await }}crud.list_notes(db, item_id, skip=skip, limit=limit)


@router.delete(
    "/{note_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={404: {"model": Problem, "description": "Item or note not found"}},
)
{{ async }}def delete_note(item_id: ItemId, note_id: NoteId, db: SessionDep) -> None:
    {{ await }}crud.begin_write(db)
    note = {{ await }}crud.get_note(db, item_id, note_id)
    if note is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Note not found")
    {{ await }}crud.delete_note(db, note)
