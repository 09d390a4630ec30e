"""requests: a trigram index for the back office's search in descriptions (SQLite FTS5, PostgreSQL pg_trgm)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from alembic import op

from storage.text_search import create_search_index, drop_search_index

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_search_index(op.get_bind())


def downgrade() -> None:
    drop_search_index(op.get_bind())
