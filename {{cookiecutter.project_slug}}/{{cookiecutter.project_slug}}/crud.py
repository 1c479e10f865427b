{% from "variant.jinja" import is_async, async, await, Session with context %}
"""Data access for items and their notes. Functions flush but never commit: the request's session does."""

from collections.abc import Sequence

from sqlalchemy import select
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
{% else %}
from sqlalchemy.orm import Session, selectinload
{% endif %}

from .models import Item, Note
from .schemas import ItemIn, NoteIn


{{ async }}def begin_write(session: {{ Session }}) -> None:
    """Begin the session's transaction as one that will write what it reads.

    Call it first: SQLite then takes its write lock at once (see db.py), so that
    concurrent writers queue; other databases lock the rows they update.
    """
    {{ await }}session.connection(execution_options={"write": True})


{{ async }}def get_item(session: {{ Session }}, item_id: int) -> Item | None:
    return {{ await }}session.get(Item, item_id)


{{ async }}def list_items(session: {{ Session }}, *, skip: int, limit: int) -> Sequence[Item]:
    statement = select(Item).order_by(Item.id).offset(skip).limit(limit)
    result = {{ await }}session.scalars(statement)
    return result.all()


{{ async }}def create_item(session: {{ Session }}, data: ItemIn) -> Item:
    item = Item(**data.model_dump())
    session.add(item)
    {{ await }}session.flush()  # INSERT ... RETURNING fills in the id
    return item


{{ async }}def replace_item(session: {{ Session }}, item: Item, data: ItemIn) -> Item:
    for field, value in data.model_dump().items():
        setattr(item, field, value)
    {{ await }}session.flush()
    return item


{{ async }}def delete_item(session: {{ Session }}, item: Item) -> None:
    {{ await }}session.delete(item)
    {{ await }}session.flush()


# Relationships never load on access (models.relationship): reads that return notes load
# them here, all items' notes in one more SELECT whatever the number of items.
{{ async }}def get_item_with_notes(session: {{ Session }}, item_id: int) -> Item | None:
    return {{ await }}session.get(Item, item_id, options=[selectinload(Item.notes)])


{{ async }}def list_items_with_notes(session: {{ Session }}, *, skip: int, limit: int) -> Sequence[Item]:
    statement = select(Item).options(selectinload(Item.notes)).order_by(Item.id).offset(skip).limit(limit)
    result = {{ await }}session.scalars(statement)
    return result.all()


{{ async }}def list_notes(session: {{ Session }}, item_id: int, *, skip: int, limit: int) -> Sequence[Note]:
    statement = select(Note).where(Note.item_id == item_id).order_by(Note.id).offset(skip).limit(limit)
    result = {{ await }}session.scalars(statement)
    return result.all()


{{ async }}def create_note(session: {{ Session }}, item_id: int, data: NoteIn) -> Note:
    """Add a note; the foreign key refuses (IntegrityError) an item that does not exist."""
    note = Note(item_id=item_id, **data.model_dump())
    session.add(note)
    {{ await }}session.flush()  # INSERT ... RETURNING fills in the id and created_at
    return note


{{ async }}def get_note(session: {{ Session }}, item_id: int, note_id: int) -> Note | None:
    note = {{ await }}session.get(Note, note_id)
    return note if note is not None and note.item_id == item_id else None


{{ async }}def delete_note(session: {{ Session }}, note: Note) -> None:
    {{ await }}session.delete(note)
    {{ await }}session.flush()
