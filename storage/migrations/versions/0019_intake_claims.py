"""intake claims: with several instances a chat's oldest pending update names the instance handling
it (the chat is held by that instance while its heartbeat lives), and a chat's pending updates are
found in order by a partial index

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('intake', sa.Column('claimed_by', sa.String(length=100), nullable=True))
    pending = sa.text("status = 'pending'")
    op.create_index('ix_intake_chat_pending', 'intake', ['routing_key', 'id'], unique=False,
                    postgresql_where=pending, sqlite_where=pending)


def downgrade() -> None:
    op.drop_index('ix_intake_chat_pending', table_name='intake')
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the intake table, which
    # inbound_messages refers to.
    op.drop_column('intake', 'claimed_by')
