"""delivery slots: each delivery lane's next free send moment, handed out to every instance by one
atomic statement (the lane leases ``lane:<prefix>`` in scheduler_lease are no longer taken)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('delivery_slots',
                    sa.Column('lane', sa.String(length=100), nullable=False),
                    sa.Column('next_at', sa.Double(), nullable=False),
                    sa.Column('seq', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('lane'))
    op.execute("DELETE FROM scheduler_lease WHERE name LIKE 'lane:%'")


def downgrade() -> None:
    op.drop_table('delivery_slots')
