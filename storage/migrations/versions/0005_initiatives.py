"""initiative groups and public hearings: groups, members, participation profiles, hearings,
registrations, proposals with outcomes; announcements to groups and the 'hearing' kind

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

import storage.types
from storage.schema_changes import replace_enum_check

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

BROADCAST_KINDS_0003 = ['ordinary', 'meeting', 'emergency']


def upgrade() -> None:
    op.create_table('initiative_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('name_ky', sa.String(length=200), nullable=False),
    sa.Column('name_ru', sa.String(length=200), nullable=False),
    sa.Column('purpose_ky', sa.Text(), nullable=False),
    sa.Column('purpose_ru', sa.Text(), nullable=False),
    sa.Column('coordinator_person_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coordinator_person_id'], ['people.id'], name=op.f('fk_initiative_groups_coordinator_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_initiative_groups_municipality_id_municipalities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiative_groups'))
    )
    with op.batch_alter_table('initiative_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_groups_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('participant_profiles',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('gender', sa.Enum('female', 'male', name='gender', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('age_group', sa.Enum('18-29', '30-44', '45-59', '60+', name='age_group', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('asked_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_participant_profiles_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_participant_profiles'))
    )
    op.create_table('group_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'member', 'declined', 'left', name='membership_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('requested_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_person_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_person_id'], ['people.id'], name=op.f('fk_group_members_decided_by_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['initiative_groups.id'], name=op.f('fk_group_members_group_id_initiative_groups')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_group_members_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_members')),
    sa.UniqueConstraint('group_id', 'person_id', name=op.f('uq_group_members_group_id_person_id'))
    )
    with op.batch_alter_table('group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_members_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_group_members_person_id'), ['person_id'], unique=False)

    op.create_table('hearings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('budget', 'programme', 'other', name='hearing_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('announced', 'closed', 'cancelled', name='hearing_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('starts_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('quarter_ids', sa.JSON(), nullable=True),
    sa.Column('group_ids', sa.JSON(), nullable=True),
    sa.Column('broadcast_id', sa.Integer(), nullable=True),
    sa.Column('created_by_person_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attendance_total', sa.Integer(), nullable=True),
    sa.Column('attendance_women', sa.Integer(), nullable=True),
    sa.Column('attendance_from_groups', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcasts.id'], name=op.f('fk_hearings_broadcast_id_broadcasts')),
    sa.ForeignKeyConstraint(['created_by_person_id'], ['people.id'], name=op.f('fk_hearings_created_by_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_hearings_municipality_id_municipalities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hearings'))
    )
    with op.batch_alter_table('hearings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hearings_broadcast_id'), ['broadcast_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hearings_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index('ix_hearings_status_starts', ['status', 'starts_at'], unique=False)

    op.create_table('hearing_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hearing_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('registered_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('checked_in_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['hearing_id'], ['hearings.id'], name=op.f('fk_hearing_registrations_hearing_id_hearings')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_hearing_registrations_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hearing_registrations')),
    sa.UniqueConstraint('hearing_id', 'person_id', name=op.f('uq_hearing_registrations_hearing_id_person_id'))
    )
    with op.batch_alter_table('hearing_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hearing_registrations_hearing_id'), ['hearing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hearing_registrations_person_id'), ['person_id'], unique=False)

    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hearing_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.Enum('ky', 'ru', name='language', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('photo', sa.JSON(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.Enum('accepted', 'partly', 'rejected', 'merged', name='proposal_outcome', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_person_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_person_id'], ['people.id'], name=op.f('fk_proposals_decided_by_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['initiative_groups.id'], name=op.f('fk_proposals_group_id_initiative_groups')),
    sa.ForeignKeyConstraint(['hearing_id'], ['hearings.id'], name=op.f('fk_proposals_hearing_id_hearings')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['proposals.id'], name=op.f('fk_proposals_merged_into_id_proposals')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_proposals_person_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_hearing_id'), ['hearing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_ids', sa.JSON(), nullable=True))
    replace_enum_check('broadcasts', 'kind', 'broadcast_kind', BROADCAST_KINDS_0003 + ['hearing'])



def downgrade() -> None:
    op.execute(sa.text("UPDATE broadcasts SET kind = 'meeting' WHERE kind = 'hearing'"))
    replace_enum_check('broadcasts', 'kind', 'broadcast_kind', BROADCAST_KINDS_0003)
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_column('group_ids')

    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposals_person_id'))
        batch_op.drop_index(batch_op.f('ix_proposals_hearing_id'))

    op.drop_table('proposals')
    with op.batch_alter_table('hearing_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hearing_registrations_person_id'))
        batch_op.drop_index(batch_op.f('ix_hearing_registrations_hearing_id'))

    op.drop_table('hearing_registrations')
    with op.batch_alter_table('hearings', schema=None) as batch_op:
        batch_op.drop_index('ix_hearings_status_starts')
        batch_op.drop_index(batch_op.f('ix_hearings_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_hearings_broadcast_id'))

    op.drop_table('hearings')
    with op.batch_alter_table('group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_members_person_id'))
        batch_op.drop_index(batch_op.f('ix_group_members_group_id'))

    op.drop_table('group_members')
    op.drop_table('participant_profiles')
    with op.batch_alter_table('initiative_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_groups_municipality_id'))

    op.drop_table('initiative_groups')
