"""Initiative groups (демилгелүү топ) and public hearings (коомдук угуу): groups and their
members, the optional participation profile, hearings, registrations and proposals with
their outcomes.

Gender and age group are asked once, optionally, and used only for participation
statistics; they live apart from the person, and go when the person's record goes.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.enums import AgeGroup, Gender, HearingKind, HearingStatus, Language, MembershipStatus, ProposalOutcome
from storage.models.base import Base, created_at_column
from storage.types import UTCDateTime, enum_type


class InitiativeGroup(Base):
    __tablename__ = "initiative_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    name_ky: Mapped[str] = mapped_column(sa.String(200))
    name_ru: Mapped[str] = mapped_column(sa.String(200))
    purpose_ky: Mapped[str] = mapped_column(sa.Text, default="")
    purpose_ru: Mapped[str] = mapped_column(sa.Text, default="")
    coordinator_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    """Holds the ``coordinator`` role in the municipality; approves members, sends the group's notices."""
    created_at: Mapped[datetime] = created_at_column()


class GroupMember(Base):
    """A resident's request to join a group and what became of it (one row per group and person)."""

    __tablename__ = "group_members"
    __table_args__ = (sa.UniqueConstraint("group_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("initiative_groups.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[MembershipStatus] = mapped_column(enum_type(MembershipStatus, "membership_status"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))


class ParticipantProfile(Base):
    """Optional answers for participation statistics; a row means the person was asked."""

    __tablename__ = "participant_profiles"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    gender: Mapped[Gender | None] = mapped_column(enum_type(Gender, "gender"))
    age_group: Mapped[AgeGroup | None] = mapped_column(enum_type(AgeGroup, "age_group"))
    asked_at: Mapped[datetime] = created_at_column()


class Hearing(Base):
    __tablename__ = "hearings"
    __table_args__ = (sa.Index("ix_hearings_status_starts", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    kind: Mapped[HearingKind] = mapped_column(enum_type(HearingKind, "hearing_kind"))
    status: Mapped[HearingStatus] = mapped_column(enum_type(HearingStatus, "hearing_status"))
    title: Mapped[str] = mapped_column(sa.String(300))
    place: Mapped[str] = mapped_column(sa.String(300))
    agenda: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    quarter_ids: Mapped[list[int] | None] = mapped_column(sa.JSON)
    group_ids: Mapped[list[int] | None] = mapped_column(sa.JSON)
    """Both empty: the whole municipality is invited."""
    broadcast_id: Mapped[int | None] = mapped_column(sa.ForeignKey("broadcasts.id"), index=True)
    """The announcement; "I will come" under it registers the resident."""
    created_by_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attendance_total: Mapped[int | None] = mapped_column()
    attendance_women: Mapped[int | None] = mapped_column()
    attendance_from_groups: Mapped[int | None] = mapped_column()
    """Counted at the door by staff (most participants do not use the bot)."""


class HearingRegistration(Base):
    __tablename__ = "hearing_registrations"
    __table_args__ = (sa.UniqueConstraint("hearing_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(sa.ForeignKey("hearings.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Proposal(Base):
    """A proposal or question to a hearing, from a resident alone or on behalf of their group."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(sa.ForeignKey("hearings.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"), index=True)
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("initiative_groups.id"))
    language: Mapped[Language] = mapped_column(enum_type(Language, "language"))
    text: Mapped[str] = mapped_column(sa.Text)
    photo: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    late: Mapped[bool] = mapped_column(default=False)
    """Arrived after the hearing was closed: kept, and shown as late."""
    created_at: Mapped[datetime] = created_at_column()
    outcome: Mapped[ProposalOutcome | None] = mapped_column(enum_type(ProposalOutcome, "proposal_outcome"))
    outcome_note: Mapped[str | None] = mapped_column(sa.Text)
    """The reason of a rejection, or a word on a partial acceptance."""
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposals.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
