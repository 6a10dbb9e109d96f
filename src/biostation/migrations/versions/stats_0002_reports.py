"""stats: the statistics of a period as last computed (a cache shared by every process)

Revision ID: stats_0002
Revises: stats_0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import biostation.db

revision = "stats_0002"
down_revision = "stats_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_reports",
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("computed_at", biostation.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_stats_reports")),
    )


def downgrade() -> None:
    op.drop_table("stats_reports")
