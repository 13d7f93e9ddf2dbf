"""cycle tasks record their first report

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 02:47:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ = (sa, sqlmodel)


def upgrade() -> None:
    with op.batch_alter_table("cycletask", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reported_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("reported_on_time", sa.Boolean(), nullable=True))
    # Tasks reported before this revision: their first report in the cycle.
    op.execute(
        """
        UPDATE cycletask SET
          reported_at = (
            SELECT MIN(p.created_at) FROM progressupdate p
            WHERE p.cycle_id = cycletask.cycle_id AND p.measure_id = cycletask.measure_id
              AND p.department_id = cycletask.department_id),
          reported_on_time = (
            SELECT p.on_time FROM progressupdate p
            WHERE p.cycle_id = cycletask.cycle_id AND p.measure_id = cycletask.measure_id
              AND p.department_id = cycletask.department_id
            ORDER BY p.created_at, p.id LIMIT 1)
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("cycletask", schema=None) as batch_op:
        batch_op.drop_column("reported_on_time")
        batch_op.drop_column("reported_at")
