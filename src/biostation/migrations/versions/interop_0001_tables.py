"""interop: DOIs, OAI-PMH catalogue and sets, harvest sources, runs, errors, provenance

Revision ID: interop_0001
Revises: 0001_core
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import biostation.db

revision = "interop_0001"
down_revision = "0001_core"
branch_labels = ("interop",)
depends_on = None


def upgrade() -> None:
    op.create_table('interop_state',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_interop_state'))
    )
    op.create_table('interop_harvest_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('base_url', sa.String(length=1000), nullable=False),
    sa.Column('metadata_prefix', sa.String(length=50), nullable=False),
    sa.Column('set_spec', sa.String(length=200), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('research_field', sa.String(length=64), nullable=False),
    sa.Column('data_type', sa.String(length=64), nullable=False),
    sa.Column('schedule_minutes', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('last_datestamp', sa.String(length=40), nullable=False),
    sa.Column('resumption_token', sa.Text(), nullable=False),
    sa.Column('run_from', sa.String(length=40), nullable=False),
    sa.Column('run_max', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('next_run_at', biostation.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_interop_harvest_sources_created_by_users')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_interop_harvest_sources_owner_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_interop_harvest_sources_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interop_harvest_sources')),
    sa.UniqueConstraint('code', name=op.f('uq_interop_harvest_sources_code'))
    )
    op.create_table('interop_dois',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('doi', sa.String(length=255), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('mode', sa.String(length=20), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_interop_dois_dataset_id_datasets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interop_dois')),
    sa.UniqueConstraint('dataset_id', 'version', name=op.f('uq_interop_dois_dataset_id')),
    sa.UniqueConstraint('doi', name=op.f('uq_interop_dois_doi'))
    )
    op.create_index(op.f('ix_interop_dois_dataset_id'), 'interop_dois', ['dataset_id'], unique=False)
    op.create_table('interop_harvest_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('from_datestamp', sa.String(length=40), nullable=False),
    sa.Column('started_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', biostation.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['interop_harvest_sources.id'], name=op.f('fk_interop_harvest_runs_source_id_interop_harvest_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interop_harvest_runs'))
    )
    op.create_index(op.f('ix_interop_harvest_runs_source_id'), 'interop_harvest_runs', ['source_id'], unique=False)
    op.create_table('interop_oai_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('datestamp', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('sets', sa.JSON(), nullable=False),
    sa.Column('doc', sa.JSON(), nullable=True),
    sa.Column('xml_dc', sa.Text(), nullable=True),
    sa.Column('xml_datacite', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_interop_oai_records_dataset_id_datasets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interop_oai_records')),
    sa.UniqueConstraint('dataset_id', name=op.f('uq_interop_oai_records_dataset_id'))
    )
    op.create_index('ix_interop_oai_records_stamp', 'interop_oai_records', ['datestamp', 'id'], unique=False)
    op.create_table('interop_provenance',
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('remote_identifier', sa.String(length=500), nullable=False),
    sa.Column('remote_datestamp', sa.String(length=40), nullable=False),
    sa.Column('remote_doi', sa.String(length=255), nullable=False),
    sa.Column('remote_deleted', sa.Boolean(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('harvested_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_interop_provenance_dataset_id_datasets')),
    sa.ForeignKeyConstraint(['source_id'], ['interop_harvest_sources.id'], name=op.f('fk_interop_provenance_source_id_interop_harvest_sources')),
    sa.PrimaryKeyConstraint('dataset_id', name=op.f('pk_interop_provenance')),
    sa.UniqueConstraint('source_id', 'remote_identifier', name=op.f('uq_interop_provenance_source_id'))
    )
    op.create_index(op.f('ix_interop_provenance_source_id'), 'interop_provenance', ['source_id'], unique=False)
    op.create_table('interop_harvest_errors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('identifier', sa.String(length=500), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['interop_harvest_runs.id'], name=op.f('fk_interop_harvest_errors_run_id_interop_harvest_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interop_harvest_errors'))
    )
    op.create_index(op.f('ix_interop_harvest_errors_run_id'), 'interop_harvest_errors', ['run_id'], unique=False)
    op.create_table('interop_oai_sets',
    sa.Column('set_spec', sa.String(length=100), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('datestamp', biostation.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['interop_oai_records.id'], name=op.f('fk_interop_oai_sets_record_id_interop_oai_records')),
    sa.PrimaryKeyConstraint('set_spec', 'record_id', name=op.f('pk_interop_oai_sets'))
    )
    op.create_index('ix_interop_oai_sets_stamp', 'interop_oai_sets', ['set_spec', 'datestamp', 'record_id'], unique=False)


def downgrade() -> None:
    op.drop_table('interop_oai_sets')
    op.drop_table('interop_harvest_errors')
    op.drop_table('interop_provenance')
    op.drop_table('interop_oai_records')
    op.drop_table('interop_harvest_runs')
    op.drop_table('interop_dois')
    op.drop_table('interop_harvest_sources')
    op.drop_table('interop_state')
