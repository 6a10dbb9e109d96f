"""access: settings, colleagues, reviewer links, committees, requests, votes, grants, emergencies, notifications, quotas

Revision ID: access_0001
Revises: 0001_core
Create Date: 2026-11-23 19:23:03.091801
"""
from alembic import op
import sqlalchemy as sa
import biostation.db


revision = 'access_0001'
down_revision = '0001_core'
branch_labels = ('access',)
depends_on = None


def upgrade() -> None:
    op.create_table('access_committees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('quorum', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_access_committees_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_committees')),
    sa.UniqueConstraint('name', name=op.f('uq_access_committees_name'))
    )
    op.create_table('access_emergencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('taxa', sa.JSON(), nullable=False),
    sa.Column('starts_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('declared_by', sa.Integer(), nullable=True),
    sa.Column('declared_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_by', sa.Integer(), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['declared_by'], ['users.id'], name=op.f('fk_access_emergencies_declared_by_users')),
    sa.ForeignKeyConstraint(['ended_by'], ['users.id'], name=op.f('fk_access_emergencies_ended_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_emergencies'))
    )
    with op.batch_alter_table('access_emergencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_emergencies_ends_at'), ['ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_emergencies_starts_at'), ['starts_at'], unique=False)

    op.create_table('access_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('ref', sa.String(length=100), nullable=False),
    sa.Column('subject_en', sa.Text(), nullable=False),
    sa.Column('subject_ko', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', biostation.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_access_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_notifications'))
    )
    with op.batch_alter_table('access_notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_notifications_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_access_notifications_user_ref', ['user_id', 'kind', 'ref'], unique=False)

    op.create_table('access_quotas',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('bytes', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_access_quotas_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_access_quotas'))
    )
    op.create_table('access_committee_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['committee_id'], ['access_committees.id'], name=op.f('fk_access_committee_members_committee_id_access_committees')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_access_committee_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_committee_members')),
    sa.UniqueConstraint('committee_id', 'user_id', name=op.f('uq_access_committee_members_committee_id'))
    )
    with op.batch_alter_table('access_committee_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_committee_members_committee_id'), ['committee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_committee_members_user_id'), ['user_id'], unique=False)

    op.create_table('access_colleagues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_by', sa.Integer(), nullable=True),
    sa.Column('created_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by'], ['users.id'], name=op.f('fk_access_colleagues_added_by_users')),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_access_colleagues_dataset_id_datasets')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_access_colleagues_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_colleagues')),
    sa.UniqueConstraint('dataset_id', 'user_id', name=op.f('uq_access_colleagues_dataset_id'))
    )
    with op.batch_alter_table('access_colleagues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_colleagues_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_colleagues_user_id'), ['user_id'], unique=False)

    op.create_table('access_dataset_taxa',
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('taxon_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_access_dataset_taxa_dataset_id_datasets')),
    sa.PrimaryKeyConstraint('dataset_id', 'taxon_id', name=op.f('pk_access_dataset_taxa'))
    )
    with op.batch_alter_table('access_dataset_taxa', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_dataset_taxa_taxon_id'), ['taxon_id'], unique=False)

    op.create_table('access_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('purpose', sa.JSON(), nullable=False),
    sa.Column('purpose_text', sa.Text(), nullable=False),
    sa.Column('institution', sa.String(length=300), nullable=False),
    sa.Column('project_title', sa.Text(), nullable=False),
    sa.Column('project_reference', sa.String(length=100), nullable=False),
    sa.Column('requested_days', sa.Integer(), nullable=True),
    sa.Column('renews_grant_id', sa.Integer(), nullable=True),
    sa.Column('ethics_key', sa.String(length=200), nullable=True),
    sa.Column('ethics_filename', sa.String(length=300), nullable=True),
    sa.Column('ethics_sha256', sa.String(length=64), nullable=True),
    sa.Column('ethics_size', sa.BigInteger(), nullable=True),
    sa.Column('match', sa.JSON(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('changes_message', sa.Text(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('created_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', biostation.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', biostation.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_access_requests_dataset_id_datasets')),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_access_requests_requester_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_requests'))
    )
    with op.batch_alter_table('access_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_requests_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_requests_requester_id'), ['requester_id'], unique=False)
        batch_op.create_index('ix_access_requests_state_submitted', ['state', 'submitted_at'], unique=False)

    op.create_table('access_reviewer_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', biostation.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_access_reviewer_links_created_by_users')),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_access_reviewer_links_dataset_id_datasets')),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], name=op.f('fk_access_reviewer_links_revoked_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_reviewer_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_access_reviewer_links_token_hash'))
    )
    with op.batch_alter_table('access_reviewer_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_reviewer_links_dataset_id'), ['dataset_id'], unique=False)

    op.create_table('access_settings',
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('embargo_started_at', biostation.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('embargo_until', biostation.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('embargo_until_publication', sa.Boolean(), nullable=False),
    sa.Column('embargo_extended_at', biostation.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('embargo_extension_reason', sa.Text(), nullable=True),
    sa.Column('embargo_lifted_by_publication', sa.String(length=300), nullable=True),
    sa.Column('data_use', sa.JSON(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=True),
    sa.Column('emergency_opt_in', sa.Boolean(), nullable=False),
    sa.Column('updated_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['committee_id'], ['access_committees.id'], name=op.f('fk_access_settings_committee_id_access_committees')),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_access_settings_dataset_id_datasets')),
    sa.PrimaryKeyConstraint('dataset_id', name=op.f('pk_access_settings'))
    )
    with op.batch_alter_table('access_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_settings_committee_id'), ['committee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_settings_embargo_until'), ['embargo_until'], unique=False)

    op.create_table('access_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('renewed_at', biostation.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', biostation.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.Column('deletion_confirmed_at', biostation.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_access_grants_dataset_id_datasets')),
    sa.ForeignKeyConstraint(['request_id'], ['access_requests.id'], name=op.f('fk_access_grants_request_id_access_requests')),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], name=op.f('fk_access_grants_revoked_by_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_access_grants_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_grants'))
    )
    with op.batch_alter_table('access_grants', schema=None) as batch_op:
        batch_op.create_index('ix_access_grants_dataset_user', ['dataset_id', 'user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_grants_user_id'), ['user_id'], unique=False)

    op.create_table('access_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('vote', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('created_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['access_requests.id'], name=op.f('fk_access_votes_request_id_access_requests')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_access_votes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_votes')),
    sa.UniqueConstraint('request_id', 'user_id', 'round', name=op.f('uq_access_votes_request_id'))
    )
    with op.batch_alter_table('access_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_votes_request_id'), ['request_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('access_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_votes_request_id'))

    op.drop_table('access_votes')
    with op.batch_alter_table('access_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_grants_user_id'))
        batch_op.drop_index('ix_access_grants_dataset_user')

    op.drop_table('access_grants')
    with op.batch_alter_table('access_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_settings_embargo_until'))
        batch_op.drop_index(batch_op.f('ix_access_settings_committee_id'))

    op.drop_table('access_settings')
    with op.batch_alter_table('access_reviewer_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_reviewer_links_dataset_id'))

    op.drop_table('access_reviewer_links')
    with op.batch_alter_table('access_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_access_requests_state_submitted')
        batch_op.drop_index(batch_op.f('ix_access_requests_requester_id'))
        batch_op.drop_index(batch_op.f('ix_access_requests_dataset_id'))

    op.drop_table('access_requests')
    with op.batch_alter_table('access_dataset_taxa', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_dataset_taxa_taxon_id'))

    op.drop_table('access_dataset_taxa')
    with op.batch_alter_table('access_colleagues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_colleagues_user_id'))
        batch_op.drop_index(batch_op.f('ix_access_colleagues_dataset_id'))

    op.drop_table('access_colleagues')
    with op.batch_alter_table('access_committee_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_committee_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_access_committee_members_committee_id'))

    op.drop_table('access_committee_members')
    op.drop_table('access_quotas')
    with op.batch_alter_table('access_notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_access_notifications_user_ref')
        batch_op.drop_index(batch_op.f('ix_access_notifications_user_id'))

    op.drop_table('access_notifications')
    with op.batch_alter_table('access_emergencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_emergencies_starts_at'))
        batch_op.drop_index(batch_op.f('ix_access_emergencies_ends_at'))

    op.drop_table('access_emergencies')
    op.drop_table('access_committees')
