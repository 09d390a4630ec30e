"""outbox: the 'cancelled' status, for the messages of a broadcast stopped while it was sending

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from storage.schema_changes import replace_enum_check

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

OUTBOX_STATUSES_0001 = ['pending', 'sending', 'sent', 'failed', 'blocked', 'needs_template']


def upgrade() -> None:
    replace_enum_check('outbox', 'status', 'outbox_status', OUTBOX_STATUSES_0001 + ['cancelled'])


def downgrade() -> None:
    op.execute(sa.text("UPDATE outbox SET status = 'failed', last_error = 'broadcast stopped' "
                       "WHERE status = 'cancelled'"))
    replace_enum_check('outbox', 'status', 'outbox_status', OUTBOX_STATUSES_0001)
