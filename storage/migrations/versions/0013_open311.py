"""transparency: Open311 clients (hashed keys) and their submissions, public settings, quarter centres,
private requests, weekly digest subscriptions

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('open311_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_open311_clients_municipality_id_municipalities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_clients')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_open311_clients_key_hash'))
    )
    with op.batch_alter_table('open311_clients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_clients_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('public_settings',
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('show_descriptions', sa.Boolean(), nullable=False),
    sa.Column('licence', sa.String(length=500), nullable=True),
    sa.Column('channel', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_public_settings_municipality_id_municipalities')),
    sa.PrimaryKeyConstraint('municipality_id', name=op.f('pk_public_settings'))
    )
    op.create_table('quarter_centres',
    sa.Column('quarter_id', sa.Integer(), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=False),
    sa.Column('longitude', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['quarter_id'], ['quarters.id'], name=op.f('fk_quarter_centres_quarter_id_quarters')),
    sa.PrimaryKeyConstraint('quarter_id', name=op.f('pk_quarter_centres'))
    )
    op.create_table('digest_subscriptions',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('since', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_digest_subscriptions_person_id_people')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_digest_subscriptions'))
    )
    op.create_table('open311_submissions',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['open311_clients.id'], name=op.f('fk_open311_submissions_client_id_open311_clients')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_open311_submissions_request_id_requests')),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_open311_submissions')),
    sa.UniqueConstraint('token', name=op.f('uq_open311_submissions_token'))
    )
    with op.batch_alter_table('open311_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_submissions_client_id'), ['client_id'], unique=False)

    op.create_table('private_requests',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('marked_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_private_requests_request_id_requests')),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_private_requests'))
    )


def downgrade() -> None:
    op.drop_table('private_requests')
    with op.batch_alter_table('open311_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open311_submissions_client_id'))

    op.drop_table('open311_submissions')
    op.drop_table('digest_subscriptions')
    op.drop_table('quarter_centres')
    op.drop_table('public_settings')
    with op.batch_alter_table('open311_clients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open311_clients_municipality_id'))

    op.drop_table('open311_clients')
