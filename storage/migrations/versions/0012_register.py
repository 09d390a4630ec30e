"""register: appeals registered in the back office (reception, paper, phone, e-mail) and by kvartalkom
heads for a neighbour: how each arrived and when, who registered it, late registration, signatories,
the form of the answer; uploaded scans; a request's channel is empty when no messenger carried it

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from typing import Literal

import sqlalchemy as sa
from alembic import op

import storage.types
from storage.text_search import create_search_index

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

SOURCES = ['messenger', 'reception', 'paper', 'phone', 'email', 'kvartalkom']
ANSWER_FORMS = ['messenger', 'paper', 'phone', 'in_person']
CHANNELS = ['telegram', 'whatsapp', 'console']


def _rebuild() -> Literal['always', 'auto']:
    """SQLite rebuilds the table to change a column; PostgreSQL alters it in place."""
    return 'always' if op.get_bind().dialect.name == 'sqlite' else 'auto'


def upgrade() -> None:
    with op.batch_alter_table('requests', recreate=_rebuild()) as batch:
        batch.alter_column('channel', existing_type=sa.String(length=32), nullable=True)
        batch.add_column(sa.Column('source', sa.Enum(*SOURCES, name='request_source', native_enum=False,
                                                     create_constraint=True, length=32),
                                   server_default='messenger', nullable=False))
        batch.add_column(sa.Column('received_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('registered_by_person_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('registered_late', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('signatories', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('answer_form', sa.Enum(*ANSWER_FORMS, name='answer_form', native_enum=False,
                                                          create_constraint=True, length=32), nullable=True))
        batch.create_foreign_key(op.f('fk_requests_registered_by_person_id_people'), 'people',
                                 ['registered_by_person_id'], ['id'])
    create_search_index(op.get_bind())  # SQLite's rebuild of the table dropped the index's triggers
    op.create_table('request_scans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('mime_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_person_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_request_scans_request_id_requests')),
    sa.ForeignKeyConstraint(['uploaded_by_person_id'], ['people.id'],
                            name=op.f('fk_request_scans_uploaded_by_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_scans'))
    )
    op.create_index(op.f('ix_request_scans_request_id'), 'request_scans', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_request_scans_request_id'), table_name='request_scans')
    op.drop_table('request_scans')
    op.execute(sa.text("UPDATE requests SET channel = 'console' WHERE channel IS NULL"))
    with op.batch_alter_table('requests', recreate=_rebuild()) as batch:
        batch.drop_constraint(op.f('fk_requests_registered_by_person_id_people'), type_='foreignkey')
        batch.drop_constraint(op.f('ck_requests_request_source'), type_='check')
        batch.drop_constraint(op.f('ck_requests_answer_form'), type_='check')
        for column in ('answer_form', 'signatories', 'registered_late', 'registered_by_person_id', 'received_at',
                       'source'):
            batch.drop_column(column)
        batch.alter_column('channel', existing_type=sa.String(length=32), nullable=False)
    create_search_index(op.get_bind())
