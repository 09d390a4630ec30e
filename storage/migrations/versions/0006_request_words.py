"""request words: the word index the staff's text search reads (prefix ranges on a B-tree),
filled for the requests already stored

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa

from storage.models.requests import search_words


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BATCH = 5_000


def upgrade() -> None:
    op.create_table('request_words',
    sa.Column('word', sa.String(length=40), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_request_words_request_id_requests')),
    sa.PrimaryKeyConstraint('word', 'request_id', name=op.f('pk_request_words'))
    )
    with op.batch_alter_table('request_words', schema=None) as batch_op:
        batch_op.create_index('ix_request_words_request_word', ['request_id', 'word'], unique=False)
    _index_existing_requests()


def _index_existing_requests() -> None:
    """Splits the words in Python, as a new request's are (the database's lower() may fold ASCII only)."""
    bind = op.get_bind()
    requests = sa.table('requests', sa.column('id'), sa.column('ticket'), sa.column('description'))
    words = sa.table('request_words', sa.column('word'), sa.column('request_id'))
    last = 0
    while True:
        rows = bind.execute(sa.select(requests.c.id, requests.c.ticket, requests.c.description)
                            .where(requests.c.id > last).order_by(requests.c.id).limit(BATCH)).all()
        if not rows:
            return
        found = [{"word": word, "request_id": row.id}
                 for row in rows for word in search_words(row.ticket, row.description)]
        if found:
            bind.execute(words.insert(), found)
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table('request_words', schema=None) as batch_op:
        batch_op.drop_index('ix_request_words_request_word')

    op.drop_table('request_words')
