"""same problem: residents who follow another resident's open request as their own problem

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'request_followers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.Enum('ky', 'ru', name='language', native_enum=False, create_constraint=True,
                                      length=32), nullable=False),
        sa.Column('joined_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_request_followers_person_id_people')),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_request_followers_request_id_requests')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_request_followers')),
        sa.UniqueConstraint('request_id', 'person_id', name=op.f('uq_request_followers_request_id_person_id')),
    )
    op.create_index(op.f('ix_request_followers_person_id'), 'request_followers', ['person_id'], unique=False)
    op.create_index(op.f('ix_request_followers_request_id'), 'request_followers', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_request_followers_request_id'), table_name='request_followers')
    op.drop_index(op.f('ix_request_followers_person_id'), table_name='request_followers')
    op.drop_table('request_followers')
