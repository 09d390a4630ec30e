"""announcements: broadcasts, their recipients (with the outbox row of each), and mutes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('broadcast_mutes',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('muted_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_broadcast_mutes_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_broadcast_mutes'))
    )
    op.create_table('broadcasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('author_person_id', sa.Integer(), nullable=True),
    sa.Column('author_identity_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('ordinary', 'meeting', 'emergency', name='broadcast_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'sending', 'done', 'cancelled', name='broadcast_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('quarter_ids', sa.JSON(), nullable=True),
    sa.Column('text_ky', sa.Text(), nullable=True),
    sa.Column('text_ru', sa.Text(), nullable=True),
    sa.Column('photo', sa.JSON(), nullable=True),
    sa.Column('scheduled_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('progress_outbox_id', sa.Integer(), nullable=True),
    sa.Column('progress_shown', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_identity_id'], ['channel_identities.id'], name=op.f('fk_broadcasts_author_identity_id_channel_identities')),
    sa.ForeignKeyConstraint(['author_person_id'], ['people.id'], name=op.f('fk_broadcasts_author_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_broadcasts_municipality_id_municipalities')),
    sa.ForeignKeyConstraint(['progress_outbox_id'], ['outbox.id'], name=op.f('fk_broadcasts_progress_outbox_id_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcasts'))
    )
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_broadcasts_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index('ix_broadcasts_status_scheduled', ['status', 'scheduled_at'], unique=False)

    op.create_table('broadcast_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('broadcast_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('ack', sa.Enum('seen', 'coming', name='broadcast_ack', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('acked_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcasts.id'], name=op.f('fk_broadcast_recipients_broadcast_id_broadcasts')),
    sa.ForeignKeyConstraint(['identity_id'], ['channel_identities.id'], name=op.f('fk_broadcast_recipients_identity_id_channel_identities')),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_broadcast_recipients_outbox_id_outbox')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_broadcast_recipients_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcast_recipients')),
    sa.UniqueConstraint('broadcast_id', 'person_id', name=op.f('uq_broadcast_recipients_broadcast_id_person_id'))
    )
    with op.batch_alter_table('broadcast_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_broadcast_recipients_outbox_id'), ['outbox_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_broadcast_recipients_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('broadcast_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_broadcast_recipients_person_id'))
        batch_op.drop_index(batch_op.f('ix_broadcast_recipients_outbox_id'))

    op.drop_table('broadcast_recipients')
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_index('ix_broadcasts_status_scheduled')
        batch_op.drop_index(batch_op.f('ix_broadcasts_municipality_id'))

    op.drop_table('broadcasts')
    op.drop_table('broadcast_mutes')
