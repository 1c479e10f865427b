"""Add notes on items, and the items' version for optimistic concurrency.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 00:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing items start at version 1, as new ones do.
    op.add_column("items", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_notes_item_id_items"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    op.create_index(op.f("ix_notes_item_id"), "notes", ["item_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notes_item_id"), table_name="notes")
    op.drop_table("notes")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("version")
