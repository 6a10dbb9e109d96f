"""audit_head(): take the audit append lock and read the chain's head in one round trip (PostgreSQL)

Revision ID: 0003_core
Revises: 0002_core
"""
from alembic import op

revision = "0003_core"
down_revision = "0002_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from biostation.audit.models import AUDIT_HEAD_POSTGRESQL
    if op.get_bind().dialect.name == "postgresql":
        op.execute(AUDIT_HEAD_POSTGRESQL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_head(bigint)")
