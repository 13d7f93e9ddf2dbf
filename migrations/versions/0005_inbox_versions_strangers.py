"""the inbox of updates, data versions for caches, answers to strangers

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 17:04:05.584788
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Keep the imports used even when a revision needs neither (ruff F401).
_ = (sa, sqlmodel)


def upgrade() -> None:
    op.create_table(
        "dataversion",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_dataversion")),
    )
    op.create_table(
        "inboxupdate",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_inboxupdate")),
    )
    with op.batch_alter_table("inboxupdate", schema=None) as batch_op:
        batch_op.create_index("ix_inboxupdate_done_at", ["done_at"], unique=False)
    op.create_table(
        "strangeranswer",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_strangeranswer")),
    )


def downgrade() -> None:
    op.drop_table("strangeranswer")
    with op.batch_alter_table("inboxupdate", schema=None) as batch_op:
        batch_op.drop_index("ix_inboxupdate_done_at")
    op.drop_table("inboxupdate")
    op.drop_table("dataversion")
