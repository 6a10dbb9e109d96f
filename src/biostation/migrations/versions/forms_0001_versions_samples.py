"""forms: form versions added or deprecated by curators, and registered samples

Revision ID: forms_0001
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa
import biostation.db

revision = "forms_0001"
down_revision = "0001_core"
branch_labels = ("forms",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", biostation.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deprecated_by", sa.Integer(), nullable=True),
        sa.Column("deprecated_at", biostation.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_form_versions_created_by_users")),
        sa.ForeignKeyConstraint(["deprecated_by"], ["users.id"], name=op.f("fk_form_versions_deprecated_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_versions")),
        sa.UniqueConstraint("form_id", "version", name=op.f("uq_form_versions_form_id")),
    )
    op.create_table(
        "samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=True),
        sa.Column("form_id", sa.String(length=100), nullable=False),
        sa.Column("form_version", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("organism", sa.String(length=500), nullable=True),
        sa.Column("taxon_id", sa.Integer(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("completeness", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", biostation.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_samples_created_by_users")),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], name=op.f("fk_samples_dataset_id_datasets")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_samples_project_id_projects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_samples")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_samples_project_id")),
    )
    op.create_index("ix_samples_dataset_keyset", "samples", ["dataset_id", "id"], unique=False)
    op.create_index("ix_samples_project_keyset", "samples", ["project_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_samples_project_keyset", table_name="samples")
    op.drop_index("ix_samples_dataset_keyset", table_name="samples")
    op.drop_table("samples")
    op.drop_table("form_versions")
