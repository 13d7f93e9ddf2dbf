"""the numbers of chats and people whose platform ids are text (DingTalk)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 18:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Keep the imports used even when a revision needs neither (ruff F401).
_ = (sa, sqlmodel)


def upgrade() -> None:
    op.create_table(
        "platformaddress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platformaddress")),
        sa.UniqueConstraint(
            "platform", "kind", "key", name=op.f("uq_platformaddress_platform_kind_key")
        ),
    )


def downgrade() -> None:
    op.drop_table("platformaddress")
