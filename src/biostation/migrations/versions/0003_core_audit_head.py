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
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_head(lock_key bigint) RETURNS TABLE(head_id bigint, head_hash varchar) "
            "AS $$ BEGIN PERFORM pg_advisory_xact_lock(lock_key); "
            "RETURN QUERY SELECT a.id::bigint, a.hash FROM audit_events a ORDER BY a.id DESC LIMIT 1; "
            "END; $$ LANGUAGE plpgsql VOLATILE")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_head(bigint)")
