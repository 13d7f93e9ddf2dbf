"""measures get a deadline and the reader's doubts; admins' corrections of the map

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 15:44:46.382382
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Keep the imports used even when a revision needs neither (ruff F401).
_ = (sa, sqlmodel)


def upgrade() -> None:
    op.create_table(
        "measurecorrection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("sets_departments", sa.Boolean(), nullable=False),
        sa.Column("lead_ids", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("support_ids", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sets_deadline", sa.Boolean(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("deadline_text", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("reading_lead_ids", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reading_support_ids", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reading_deadline", sa.Date(), nullable=True),
        sa.Column(
            "reading_deadline_text", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
        ),
        sa.Column("clause_seen", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("corrected_by", sa.BigInteger(), nullable=True),
        sa.Column("corrected_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name=op.f("fk_measurecorrection_measure_id_measure")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurecorrection")),
        sa.UniqueConstraint("measure_id", name=op.f("uq_measurecorrection_measure_id")),
    )
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deadline", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("deadline_text", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        # Measures read before this revision: no doubts recorded (the reader had none).
        batch_op.add_column(
            sa.Column(
                "doubts", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="[]"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.drop_column("doubts")
        batch_op.drop_column("deadline_text")
        batch_op.drop_column("deadline")

    op.drop_table("measurecorrection")
