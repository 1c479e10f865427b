{% from "variant.jinja" import is_async, async, await, Session with context %}
"""Data access for items. Functions flush but never commit: the request's session does."""

from collections.abc import Sequence

from sqlalchemy import select
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncSession
{% else %}
from sqlalchemy.orm import Session
{% endif %}

from .models import Item
from .schemas import ItemIn


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
