"""useful numbers: each municipality's own emergency and service phone numbers

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('useful_numbers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_ky', sa.String(length=80), nullable=False),
    sa.Column('name_ru', sa.String(length=80), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('phone_key', sa.String(length=15), nullable=False),
    sa.Column('note_ky', sa.String(length=80), nullable=True),
    sa.Column('note_ru', sa.String(length=80), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_useful_numbers_municipality_id_municipalities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_useful_numbers')),
    sa.UniqueConstraint('municipality_id', 'phone_key', name=op.f('uq_useful_numbers_municipality_id_phone_key'))
    )
    with op.batch_alter_table('useful_numbers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_useful_numbers_municipality_id'), ['municipality_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('useful_numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_useful_numbers_municipality_id'))

    op.drop_table('useful_numbers')
