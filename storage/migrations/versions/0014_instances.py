"""instances: each running process of a deployment keeps a row alive by a heartbeat; an outbox row
under way names the instance that claimed it (it is taken over when that instance's row lapses)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('instances',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('alive_until', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instances'))
    )
    op.add_column('outbox', sa.Column('claimed_by', sa.String(length=100), nullable=True))
    op.create_index('ix_outbox_address_order', 'outbox', ['address', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_address_order', table_name='outbox')
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the outbox table, which
    # rows of other tables refer to.
    op.drop_column('outbox', 'claimed_by')
    op.drop_table('instances')
