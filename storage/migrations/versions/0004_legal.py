"""legal consultations: questions, their history, the answer base

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('legal_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('telegram', 'whatsapp', 'console', name='channel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('language', sa.Enum('ky', 'ru', name='language', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('topic', sa.Enum('emergencies', 'labour', 'head_dismissal', 'property', 'land', 'budget', 'council', 'other', name='legal_topic', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('confidential', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('received', 'in_review', 'resolved', 'rejected', name='request_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('due_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('assignee_person_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('overdue_escalated_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('card_outbox_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assignee_person_id'], ['people.id'], name=op.f('fk_legal_questions_assignee_person_id_people')),
    sa.ForeignKeyConstraint(['card_outbox_id'], ['outbox.id'], name=op.f('fk_legal_questions_card_outbox_id_outbox')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_legal_questions_municipality_id_municipalities')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_legal_questions_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_questions'))
    )
    with op.batch_alter_table('legal_questions', schema=None) as batch_op:
        batch_op.create_index('ix_legal_questions_municipality_created', ['municipality_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_questions_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_legal_questions_status_due', ['status', 'due_at'], unique=False)

    op.create_table('legal_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'withdrawn', name='answer_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('topic', sa.Enum('emergencies', 'labour', 'head_dismissal', 'property', 'land', 'budget', 'council', 'other', name='legal_topic', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('language', sa.Enum('ky', 'ru', name='language', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=True),
    sa.Column('source_question_id', sa.Integer(), nullable=True),
    sa.Column('author_person_id', sa.Integer(), nullable=True),
    sa.Column('helped', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_person_id'], ['people.id'], name=op.f('fk_legal_answers_author_person_id_people')),
    sa.ForeignKeyConstraint(['source_question_id'], ['legal_questions.id'], name=op.f('fk_legal_answers_source_question_id_legal_questions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_answers')),
    sa.UniqueConstraint('key', name=op.f('uq_legal_answers_key')),
    sa.UniqueConstraint('source_question_id', name=op.f('uq_legal_answers_source_question_id'))
    )
    with op.batch_alter_table('legal_answers', schema=None) as batch_op:
        batch_op.create_index('ix_legal_answers_status_topic', ['status', 'topic'], unique=False)

    op.create_table('legal_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('created', 'routed', 'status_changed', 'answered', 'quarter_head_copied', 'taken', 'forwarded', 'clarification_asked', 'resident_replied', 'note', 'extended', 'reminded', 'escalated', 'rated', 'reopened', name='request_event_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_person_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_person_id'], ['people.id'], name=op.f('fk_legal_events_actor_person_id_people')),
    sa.ForeignKeyConstraint(['question_id'], ['legal_questions.id'], name=op.f('fk_legal_events_question_id_legal_questions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_events'))
    )
    with op.batch_alter_table('legal_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_events_question_id'), ['question_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('legal_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_events_question_id'))

    op.drop_table('legal_events')
    with op.batch_alter_table('legal_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_legal_answers_status_topic')

    op.drop_table('legal_answers')
    with op.batch_alter_table('legal_questions', schema=None) as batch_op:
        batch_op.drop_index('ix_legal_questions_status_due')
        batch_op.drop_index(batch_op.f('ix_legal_questions_person_id'))
        batch_op.drop_index('ix_legal_questions_municipality_created')

    op.drop_table('legal_questions')
