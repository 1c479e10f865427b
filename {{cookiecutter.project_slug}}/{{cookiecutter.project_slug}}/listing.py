"""What list endpoints share: keyset pages in an allowed order, capped expansions, and their headers.

A page is one SELECT of up to ``limit + 1`` rows: the row past the page says whether there is
a next one, so the ``Link`` header names it only then. ``?count=true`` adds one ``COUNT(*)``
with the same filters, and each expanded relationship one more SELECT (``selectinload``).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, aliased, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from .errors import Responses
from .schemas import PageQuery

# An expanded relationship brings at most this many rows per parent (the newest, by id), so
# that one request cannot read an unbounded number of rows.
EXPANDED_CHILDREN = 100

PAGE_HEADERS: Responses = {
    200: {
        "headers": {
            "Link": {
                "description": 'The next page, `<url>; rel="next"`; absent on the last page',
                "schema": {"type": "string"},
            },
            "X-Total-Count": {
                "description": "With `?count=true`: the rows that match the filters, on every page",
                "schema": {"type": "integer", "minimum": 0},
            },
        },
    },
}


@dataclass(frozen=True)
class Page:
    rows: Sequence[Any]
    more: bool  # whether rows follow this page
    total: int | None  # rows matching the filters, when the client asked (?count=true)


def order_keys(model: type[Any], sort: str) -> list[tuple[InstrumentedAttribute[Any], bool]]:
    """The columns to order by, each with whether it is descending; the id last, for a total order."""
    descending: dict[str, bool] = {}
    for field in sort.split(","):
        descending.setdefault(field.removeprefix("-"), field.startswith("-"))
    descending.setdefault("id", False)
    return [(getattr(model, name), desc) for name, desc in descending.items()]


def after_row(model: type[Any], keys: list[tuple[InstrumentedAttribute[Any], bool]], after: int) -> ColumnElement[bool]:
    """The rows that come after the row with id ``after``, in the order of ``keys``.

    In id order that is ``id > after``. In another order, subqueries read that row's values
    (within the page's one statement); if it has been deleted since, the page is empty.
    """
    cursor = aliased(model)

    def cursor_value(column: InstrumentedAttribute[Any]) -> Any:
        if column.key == "id":
            return after
        return select(getattr(cursor, column.key)).where(cursor.id == after).scalar_subquery()

    later: list[ColumnElement[bool]] = []
    for position, (column, descending) in enumerate(keys):
        ties = [earlier == cursor_value(earlier) for earlier, _ in keys[:position]]
        beyond = column < cursor_value(column) if descending else column > cursor_value(column)
        later.append(and_(*ties, beyond))
    return or_(*later)


def page_statement(statement: Select[Any], model: type[Any], query: PageQuery) -> Select[Any]:
    """``statement`` (a SELECT of ``model``) for one page, plus one row that tells if more follow."""
    keys = order_keys(model, query.sort)
    if query.after is not None:
        statement = statement.where(after_row(model, keys, query.after))
    ordering = [column.desc() if descending else column for column, descending in keys]
    return statement.order_by(*ordering).offset(query.skip).limit(query.limit + 1)


def page_of(rows: Sequence[Any], query: PageQuery, total: int | None) -> Page:
    """The page from ``page_statement``'s rows: the extra row only says that more follow."""
    return Page(rows[: query.limit], len(rows) > query.limit, total)


def expansion(relationship: InstrumentedAttribute[Any]) -> LoaderOption:
    """Load a one-to-many relationship in one more SELECT: each parent's newest ``EXPANDED_CHILDREN`` rows."""
    child = relationship.property.mapper.class_
    ((_, foreign_key),) = relationship.property.local_remote_pairs
    siblings = aliased(child)
    newest = (
        select(siblings.id)
        .where(getattr(siblings, foreign_key.key) == foreign_key)
        .order_by(siblings.id.desc())
        .limit(EXPANDED_CHILDREN)
    )
    return selectinload(relationship.and_(child.id.in_(newest)))


def page_headers(request: Request, page: Page) -> dict[str, str]:
    """``Link`` to the next page (this request's query, after this page's last row) and ``X-Total-Count``."""
    headers: dict[str, str] = {}
    if page.more:
        following = request.url.remove_query_params("skip").include_query_params(after=page.rows[-1].id)
        headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'
    if page.total is not None:
        headers["X-Total-Count"] = str(page.total)
    return headers
