"""whatsapp contents: the Twilio Content resources (list picker, quick replies) made once per shape

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('whatsapp_contents',
    sa.Column('shape', sa.String(length=40), nullable=False),
    sa.Column('content_sid', sa.String(length=34), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('shape', name=op.f('pk_whatsapp_contents'))
    )


def downgrade() -> None:
    op.drop_table('whatsapp_contents')
