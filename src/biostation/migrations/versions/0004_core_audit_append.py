"""audit_append(): lock, chain and insert audit entries in one round trip (PostgreSQL)

The chain hash becomes sha256("<prev_hash>:<id>:<content digest>") so the database can compute it; logs
written before this revision were made by pre-release stations and are not carried over.

Revision ID: 0004_core
Revises: 0003_core
"""
from alembic import op

revision = "0004_core"
down_revision = "0003_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from biostation.audit.models import AUDIT_APPEND_POSTGRESQL
    if op.get_bind().dialect.name == "postgresql":
        op.execute(AUDIT_APPEND_POSTGRESQL)
        op.execute("DROP FUNCTION IF EXISTS audit_head(bigint)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_append(bigint, jsonb)")
