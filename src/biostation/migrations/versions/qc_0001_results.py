"""qc: one QC report per deposited file

Revision ID: qc_0001
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa
import biostation.db

revision = "qc_0001"
down_revision = "0001_core"
branch_labels = ("qc",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qc_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=40), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("checked", sa.Boolean(), nullable=False),
        sa.Column("grade", sa.String(length=2), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", biostation.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["dataset_files.id"], name=op.f("fk_qc_results_file_id_dataset_files"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qc_results")),
        sa.UniqueConstraint("file_id", name=op.f("uq_qc_results_file_id")),
    )
    op.create_index(op.f("ix_qc_results_sha256"), "qc_results", ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_qc_results_sha256"), table_name="qc_results")
    op.drop_table("qc_results")
