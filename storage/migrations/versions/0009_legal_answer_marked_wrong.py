"""legal answers: how often lawyers marked one as not answering the question it was suggested for

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('legal_answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marked_wrong', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('legal_answers', schema=None) as batch_op:
        batch_op.drop_column('marked_wrong')
