"""review: returned reports, closed measures, review actions, the leaders' chat

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 17:32:51.850808
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Keep the imports used even when a revision needs neither (ruff F401).
_ = (sa, sqlmodel)


def upgrade() -> None:
    op.create_table(
        "measureclosure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("closed_by", sa.BigInteger(), nullable=True),
        sa.Column("closed_by_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name=op.f("fk_measureclosure_measure_id_measure")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measureclosure")),
        sa.UniqueConstraint("measure_id", name=op.f("uq_measureclosure_measure_id")),
    )
    op.create_table(
        "reviewaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("update_id", sa.Integer(), nullable=True),
        sa.Column("cycle_id", sa.Integer(), nullable=True),
        sa.Column("reason_code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("user_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycle.id"], name=op.f("fk_reviewaction_cycle_id_cycle")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_reviewaction_department_id_department"),
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name=op.f("fk_reviewaction_measure_id_measure")
        ),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["progressupdate.id"],
            name=op.f("fk_reviewaction_update_id_progressupdate"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviewaction")),
    )
    with op.batch_alter_table("reviewaction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reviewaction_measure_id"), ["measure_id"], unique=False
        )

    with op.batch_alter_table("chat", schema=None) as batch_op:
        # Chats known before this revision are not the leaders' chat.
        batch_op.add_column(
            sa.Column("is_leaders", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("progressupdate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("returned_at", sa.DateTime(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_progressupdate_returned_at"), ["returned_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("progressupdate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progressupdate_returned_at"))
        batch_op.drop_column("returned_at")

    with op.batch_alter_table("chat", schema=None) as batch_op:
        batch_op.drop_column("is_leaders")

    with op.batch_alter_table("reviewaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviewaction_measure_id"))

    op.drop_table("reviewaction")
    op.drop_table("measureclosure")
