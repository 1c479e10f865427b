"""Index the items' titles, which lists sort and filter by.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 00:00:00

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_items_title"), "items", ["title"])


def downgrade() -> None:
    op.drop_index(op.f("ix_items_title"), table_name="items")
