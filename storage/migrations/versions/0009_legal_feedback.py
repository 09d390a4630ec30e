"""legal answers: how often lawyers marked one as not answering the question it was suggested for,
and each time a resident said a suggested answer answers their question (for the lawyers' report)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('legal_answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marked_wrong', sa.Integer(), server_default='0', nullable=False))
    op.create_table('legal_answer_uses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['legal_answers.id'], name=op.f('fk_legal_answer_uses_answer_id_legal_answers')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_legal_answer_uses_municipality_id_municipalities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_answer_uses'))
    )
    with op.batch_alter_table('legal_answer_uses', schema=None) as batch_op:
        batch_op.create_index('ix_legal_answer_uses_municipality_at', ['municipality_id', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('legal_answer_uses', schema=None) as batch_op:
        batch_op.drop_index('ix_legal_answer_uses_municipality_at')
    op.drop_table('legal_answer_uses')
    with op.batch_alter_table('legal_answers', schema=None) as batch_op:
        batch_op.drop_column('marked_wrong')
