"""merge: a duplicate request merged into another (status and history kind 'merged', the request it
went into), the history kind 'merged_in' on that request; followers' own ratings of a resolution

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from typing import Literal

import sqlalchemy as sa
from alembic import op

import storage.types
from storage.text_search import create_search_index

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

STATUSES_0017 = ['received', 'in_review', 'resolved', 'rejected']
EVENT_KINDS_0017 = ['created', 'routed', 'status_changed', 'answered', 'quarter_head_copied', 'taken', 'forwarded',
                    'clarification_asked', 'resident_replied', 'note', 'extended', 'reminded', 'escalated', 'rated',
                    'reopened']


def _rebuild() -> Literal['always', 'auto']:
    """SQLite rebuilds the table to change a constraint; PostgreSQL alters it in place."""
    return 'always' if op.get_bind().dialect.name == 'sqlite' else 'auto'


def _allowing(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _checks(statuses: list[str], kinds: list[str]) -> None:
    with op.batch_alter_table('request_events', recreate=_rebuild()) as batch:
        for name, column, values in (('request_event_kind', 'kind', kinds), ('status_from', 'status_from', statuses),
                                     ('status_to', 'status_to', statuses)):
            batch.drop_constraint(op.f(f'ck_request_events_{name}'), type_='check')
            batch.create_check_constraint(op.f(f'ck_request_events_{name}'), _allowing(column, values))


def upgrade() -> None:
    statuses = STATUSES_0017 + ['merged']
    with op.batch_alter_table('requests', recreate=_rebuild()) as batch:
        batch.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_requests_merged_into_id_requests'), 'requests', ['merged_into_id'], ['id'])
        batch.drop_constraint(op.f('ck_requests_request_status'), type_='check')
        batch.create_check_constraint(op.f('ck_requests_request_status'), _allowing('status', statuses))
    create_search_index(op.get_bind())  # SQLite's rebuild of the table dropped the index's triggers
    _checks(statuses, EVENT_KINDS_0017 + ['merged', 'merged_in'])
    op.add_column('request_followers', sa.Column('rating', sa.Integer(), nullable=True))
    op.add_column('request_followers', sa.Column('rated_at', storage.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('request_followers', recreate=_rebuild()) as batch:
        batch.drop_column('rated_at')
        batch.drop_column('rating')
    # a merged duplicate becomes a rejected one; its history lines become internal notes
    op.execute(sa.text("UPDATE request_events SET kind = 'note' WHERE kind IN ('merged', 'merged_in')"))
    op.execute(sa.text("UPDATE request_events SET status_from = 'rejected' WHERE status_from = 'merged'"))
    op.execute(sa.text("UPDATE request_events SET status_to = 'rejected' WHERE status_to = 'merged'"))
    op.execute(sa.text("UPDATE requests SET status = 'rejected' WHERE status = 'merged'"))
    _checks(STATUSES_0017, EVENT_KINDS_0017)
    with op.batch_alter_table('requests', recreate=_rebuild()) as batch:
        batch.drop_constraint(op.f('ck_requests_request_status'), type_='check')
        batch.create_check_constraint(op.f('ck_requests_request_status'), _allowing('status', STATUSES_0017))
        batch.drop_constraint(op.f('fk_requests_merged_into_id_requests'), type_='foreignkey')
        batch.drop_column('merged_into_id')
    create_search_index(op.get_bind())
