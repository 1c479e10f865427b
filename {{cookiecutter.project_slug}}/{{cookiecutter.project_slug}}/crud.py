{% from "variant.jinja" import is_async, is_sqlite, async, await, Session, has_auth with context %}
"""Data access for items and their notes. Functions flush but never commit: the request's session does."""

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from sqlalchemy import ColumnElement, func, select
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncSession
{% else %}
from sqlalchemy.orm import Session
{% endif %}

from .listing import Page, expansion, page_of, page_statement
from .models import Item, Note{{ ", User" if has_auth }}
from .schemas import ItemIn, ItemQuery, NoteIn, NoteQuery, PageQuery


{{ async }}def begin_write(session: {{ Session }}) -> None:
    """Begin the session's transaction as one that will write what it reads.

{% if is_sqlite %}
    Call it first: SQLite then takes its write lock at once (see db.py), so that
    concurrent writers queue.
{% else %}
    Call it first. PostgreSQL needs nothing more: it locks the rows that the
    transaction updates as it updates them.
{% endif %}
    """
{% if has_auth %}
    if session.info.setdefault("writing", False):
        return  # begun as a write already, by the current-user dependency (auth.py)
    session.info["writing"] = True
{% endif %}
    {{ await }}session.connection(execution_options={"write": True})


{{ async }}def fetch_page(
    session: {{ Session }},
    model: type[Any],
    conditions: Sequence[ColumnElement[bool]],
    query: PageQuery,
    expand: str | None = None,
) -> Page:
    """A page of ``model``'s rows (listing.py): one SELECT, one COUNT if asked, one more to expand a relationship."""
    statement = page_statement(select(model).where(*conditions), model, query)
    if expand is not None:
        statement = statement.options(expansion(getattr(model, expand)))
    rows = ({{ await }}session.scalars(statement)).all()
    count = select(func.count()).select_from(model).where(*conditions)
    total = {{ await }}session.scalar(count) if query.count else None
    return page_of(rows, query, total)


# Relationships never load on access (models.relationship): a read that returns an item's
# notes (expand="notes") loads them with it, in one more SELECT for any number of items.
{{ async }}def get_item(session: {{ Session }}, item_id: int, expand: str | None = None) -> Item | None:
    options = [expansion(getattr(Item, expand))] if expand is not None else []
    return {{ await }}session.get(Item, item_id, options=options)


{% if has_auth %}
{{ async }}def list_items(session: {{ Session }}, owner: User, query: ItemQuery) -> Page:
    conditions: list[ColumnElement[bool]] = [Item.owner_id == owner.id]
{% else %}
{{ async }}def list_items(session: {{ Session }}, query: ItemQuery) -> Page:
    conditions: list[ColumnElement[bool]] = []
{% endif %}
    if query.title is not None:
        conditions.append(Item.title == query.title)
    if query.title_contains is not None:
        # lower(title) LIKE '%' || lower(:text) || '%' ESCAPE '/', with % and _ in the text escaped.
        conditions.append(Item.title.icontains(query.title_contains, autoescape=True))
    return {{ await }}fetch_page(session, Item, conditions, query, query.expand)


{% if has_auth %}
{{ async }}def create_item(session: {{ Session }}, owner: User, data: ItemIn) -> Item:
    item = Item(owner_id=owner.id, **data.model_dump())
{% else %}
{{ async }}def create_item(session: {{ Session }}, data: ItemIn) -> Item:
    item = Item(**data.model_dump())
{% endif %}
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


{{ async }}def list_notes(session: {{ Session }}, item_id: int, query: NoteQuery) -> Page:
    conditions = [Note.item_id == item_id]
    if query.created_after is not None:
{% if is_sqlite %}
        # In UTC: SQLite stores created_at as UTC text without a zone, and compares that text.
{% endif %}
        conditions.append(Note.created_at > query.created_after.astimezone(UTC))
    return {{ await }}fetch_page(session, Note, conditions, query)


{{ async }}def create_note(session: {{ Session }}, item_id: int, data: NoteIn) -> Note:
    """Add a note; the foreign key refuses (IntegrityError) an item that does not exist."""
    note = Note(item_id=item_id, **data.model_dump())
    session.add(note)
    {{ await }}session.flush()  # INSERT ... RETURNING fills in the id and created_at
    return note


{% if has_auth %}
{{ async }}def get_note(session: {{ Session }}, owner: User, item_id: int, note_id: int) -> Note | None:
    """The note, if it is on that item and the item is ``owner``'s."""
    statement = select(Note).join(Item, Note.item_id == Item.id)
    return {{ await }}session.scalar(statement.where(Note.id == note_id, Item.id == item_id, Item.owner_id == owner.id))
{% else %}
{{ async }}def get_note(session: {{ Session }}, item_id: int, note_id: int) -> Note | None:
    note = {{ await }}session.get(Note, note_id)
    return note if note is not None and note.item_id == item_id else None
{% endif %}


{{ async }}def delete_note(session: {{ Session }}, note: Note) -> None:
    {{ await }}session.delete(note)
    {{ await }}session.flush()
