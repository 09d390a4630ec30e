"""outbox: an index of the rows waiting or under way (``ix_outbox_waiting``), per address in order

The delivery claim asks, for each candidate, whether an older row to its address still waits, and
reads each lane's waiting rows. On the indexes of all rows (``ix_outbox_address_order``, ``ix_outbox_due``)
both walked every message the address or the lane ever had, and the index entries every update of a
row's status leaves until the next vacuum: 16 ms a claim round after ten thousand messages. This
index holds only rows that wait (a sent row leaves it).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

WAITING = sa.text("status IN ('pending', 'sending')")


def upgrade() -> None:
    op.create_index('ix_outbox_waiting', 'outbox', ['address', 'id'], unique=False,
                    postgresql_where=WAITING, sqlite_where=WAITING)


def downgrade() -> None:
    op.drop_index('ix_outbox_waiting', table_name='outbox')
