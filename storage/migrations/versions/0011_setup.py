"""setup in the browser: one-time codes (first run, invitations, staff group codes), the operator's
account flag, a municipality's Russian genitive name and its own deadline rule

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('one_time_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('first_run', 'invitation', 'staff_group', name='code_purpose', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('chat_address', sa.String(length=100), nullable=True),
    sa.Column('created_by_person_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['created_by_person_id'], ['people.id'], name=op.f('fk_one_time_codes_created_by_person_id_people')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_one_time_codes_municipality_id_municipalities')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_one_time_codes_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_one_time_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_one_time_codes_code_hash'))
    )
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_one_time_codes_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_one_time_codes_person_id'), ['person_id'], unique=False)
    with op.batch_alter_table('municipalities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_ru_genitive', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('deadline_rule', sa.String(length=20), nullable=True))
    with op.batch_alter_table('staff_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operator', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('staff_accounts', schema=None) as batch_op:
        batch_op.drop_column('operator')
    with op.batch_alter_table('municipalities', schema=None) as batch_op:
        batch_op.drop_column('deadline_rule')
        batch_op.drop_column('name_ru_genitive')
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_one_time_codes_person_id'))
        batch_op.drop_index(batch_op.f('ix_one_time_codes_municipality_id'))
    op.drop_table('one_time_codes')
