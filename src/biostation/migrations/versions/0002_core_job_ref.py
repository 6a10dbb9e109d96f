"""jobs.ref: what a job works on, so a file's QC state can be looked up

Revision ID: 0002_core
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa

revision = "0002_core"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.add_column(sa.Column("ref", sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f("ix_jobs_ref"), ["ref"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_ref"))
        batch_op.drop_column("ref")
