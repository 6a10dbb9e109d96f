"""stats: daily usage counters and the grade of each published dataset

Revision ID: stats_0001
Revises: 0001_core
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import biostation.db

revision = "stats_0001"
down_revision = "0001_core"
branch_labels = ("stats",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_usage_daily",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.Column("downloads", sa.BigInteger(), nullable=False),
        sa.Column("bytes_out", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"],
                                name=op.f("fk_stats_usage_daily_dataset_id_datasets"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("dataset_id", "day", name=op.f("pk_stats_usage_daily")),
    )
    op.create_index("ix_stats_usage_daily_day", "stats_usage_daily", ["day"], unique=False)
    op.create_table(
        "stats_dataset_grades",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=2), nullable=True),
        sa.Column("updated_at", biostation.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"],
                                name=op.f("fk_stats_dataset_grades_dataset_id_datasets"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("dataset_id", name=op.f("pk_stats_dataset_grades")),
    )
    op.create_index(op.f("ix_stats_dataset_grades_grade"), "stats_dataset_grades", ["grade"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_stats_dataset_grades_grade"), table_name="stats_dataset_grades")
    op.drop_table("stats_dataset_grades")
    op.drop_index("ix_stats_usage_daily_day", table_name="stats_usage_daily")
    op.drop_table("stats_usage_daily")
