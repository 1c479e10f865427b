{% from "variant.jinja" import async, await, has_auth with context %}
"""Notes on an item: /items/{item_id}/notes."""

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from sqlalchemy import exc

from .. import crud
{% if has_auth %}
from ..auth import UNAUTHORIZED, CurrentUser, ReadingUser
{% endif %}
from ..errors import BODY_ERRORS, DATABASE_ERRORS, Responses
from ..listing import PAGE_HEADERS, page_headers
from ..models import Note
from ..resources import CREATED
from ..schemas import Int32Param, NoteIn, NoteOut, NoteQuery, Problem
from ..sessions import ReadSessionDep, SessionDep
from .items import NOT_FOUND, ItemId, get_item_or_404

{% if has_auth %}
router = APIRouter(
    prefix="/items/{item_id}/notes", tags=["notes"], responses=DATABASE_ERRORS | NOT_FOUND | UNAUTHORIZED
)
{% else %}
router = APIRouter(prefix="/items/{item_id}/notes", tags=["notes"], responses=DATABASE_ERRORS | NOT_FOUND)
{% endif %}

NoteId = Annotated[Int32Param, Path(ge=1)]
NOTE_NOT_FOUND: Responses = {404: {"model": Problem, "description": "Item or note not found"}}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=NoteOut, responses=CREATED | BODY_ERRORS)
{{ async }}def create_note(item_id: ItemId, data: NoteIn, db: SessionDep, response: Response{{ ", user: CurrentUser" if has_auth }}) -> Note:
{% if has_auth %}
    {{ await }}get_item_or_404(db, user, item_id)  # only on the user's own items
{% endif %}
    try:
        note = {{ await }}crud.create_note(db, item_id, data)
    except exc.IntegrityError:
        # The one constraint a note can break is its foreign key (the body is validated, the
        # id generated): the item does not exist, or was deleted by a concurrent request.
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Item not found") from None
    response.headers["Location"] = router.url_path_for("read_note", item_id=str(item_id), note_id=str(note.id))
    return note


@router.get("", response_model=list[NoteOut], responses=PAGE_HEADERS)
{% if has_auth %}
{{ async }}def list_notes(
    item_id: ItemId,
    db: ReadSessionDep,
    user: ReadingUser,
    request: Request,
    response: Response,
    query: Annotated[NoteQuery, Query()],
) -> Sequence[Note]:
    {{ await }}get_item_or_404(db, user, item_id)  # another user's item is not found, with its notes
    page = {{ await }}crud.list_notes(db, item_id, query)
{% else %}
{{ async }}def list_notes(
    item_id: ItemId, db: ReadSessionDep, request: Request, response: Response, query: Annotated[NoteQuery, Query()]
) -> Sequence[Note]:
    page = {{ await }}crud.list_notes(db, item_id, query)
    if not page.rows:
        {{ await }}get_item_or_404(db, item_id)  # no notes, or no item? Only then does it cost a statement.
{% endif %}
    response.headers.update(page_headers(request, page))
    return page.rows


@router.get("/{note_id}", response_model=NoteOut, responses=NOTE_NOT_FOUND)
{{ async }}def read_note(item_id: ItemId, note_id: NoteId, db: ReadSessionDep{{ ", user: ReadingUser" if has_auth }}) -> Note:
    note = {{ await }}crud.get_note(db, {{ "user, " if has_auth }}item_id, note_id)
    if note is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Note not found")
    return note


@router.delete(
    "/{note_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOTE_NOT_FOUND,
)
{{ async }}def delete_note(item_id: ItemId, note_id: NoteId, db: SessionDep{{ ", user: CurrentUser" if has_auth }}) -> None:
    {{ await }}crud.begin_write(db)
    note = {{ await }}crud.get_note(db, {{ "user, " if has_auth }}item_id, note_id)
    if note is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Note not found")
    {{ await }}crud.delete_note(db, note)
