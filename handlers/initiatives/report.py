"""The figures the sources count by hand: participants, women, from initiative groups,
proposals received, from groups, and their outcomes; per hearing, and summed by year and kind.

Attendance counted at the door (by staff) is the figure when recorded; until then the
registered residents who were checked in are counted (women: those who said so in their
optional profile, asked when a resident joins a group; those who did not say, or were never
asked, are counted as «not stated», never guessed; from groups: members of a group of the
municipality).
"""

from dataclasses import dataclass, fields
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import Gender, HearingKind, HearingStatus, MembershipStatus, ProposalOutcome
from storage.models import GroupMember, Hearing, HearingRegistration, ParticipantProfile, Proposal


@dataclass
class Figures:
    participants: int = 0
    women: int = 0
    gender_unstated: int = 0
    """Checked-in participants whose gender is not known (0 when staff counted at the door)."""
    from_groups: int = 0
    registered: int = 0
    checked_in: int = 0
    proposals: int = 0
    proposals_from_groups: int = 0
    accepted: int = 0
    """Taken into the budget or programme, fully or partly."""
    partly: int = 0
    rejected: int = 0
    merged: int = 0
    late: int = 0
    undecided: int = 0

    @property
    def fully_accepted(self) -> int:
        return self.accepted - self.partly

    def add(self, other: "Figures") -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


@dataclass(frozen=True)
class HearingFigures:
    hearing: Hearing
    figures: Figures
    counted_at_door: bool
    """False: attendance not recorded yet, the figures are the checked-in registrations."""


@dataclass(frozen=True)
class YearRow:
    year: int
    kind: HearingKind
    hearings: int
    figures: Figures


async def _registrations(session: AsyncSession, hearing_ids: list[int]) -> dict[int, tuple[int, ...]]:
    """hearing id → (registered, checked in, checked-in women, checked in without a stated gender,
    checked-in group members)."""
    checked = HearingRegistration.checked_in_at.is_not(None)
    woman = sa.and_(checked, ParticipantProfile.gender == Gender.FEMALE)
    unstated = sa.and_(checked, ParticipantProfile.gender.is_(None))
    member = sa.and_(checked, sa.exists().where(GroupMember.person_id == HearingRegistration.person_id,
                                                GroupMember.status == MembershipStatus.MEMBER))
    rows = await session.execute(
        sa.select(HearingRegistration.hearing_id, sa.func.count(),
                  sa.func.count().filter(checked), sa.func.count().filter(woman), sa.func.count().filter(unstated),
                  sa.func.count().filter(member))
        .outerjoin(ParticipantProfile, ParticipantProfile.person_id == HearingRegistration.person_id)
        .where(HearingRegistration.hearing_id.in_(hearing_ids)).group_by(HearingRegistration.hearing_id))
    return {hearing_id: tuple(counts) for hearing_id, *counts in rows.all()}


async def _proposals(session: AsyncSession, hearing_ids: list[int]) -> dict[int, dict[str, int]]:
    outcome = Proposal.outcome
    rows = await session.execute(
        sa.select(Proposal.hearing_id, sa.func.count(), sa.func.count().filter(Proposal.group_id.is_not(None)),
                  sa.func.count().filter(outcome.in_([ProposalOutcome.ACCEPTED, ProposalOutcome.PARTLY])),
                  sa.func.count().filter(outcome == ProposalOutcome.PARTLY),
                  sa.func.count().filter(outcome == ProposalOutcome.REJECTED),
                  sa.func.count().filter(outcome == ProposalOutcome.MERGED),
                  sa.func.count().filter(Proposal.late.is_(True)), sa.func.count().filter(outcome.is_(None)))
        .where(Proposal.hearing_id.in_(hearing_ids)).group_by(Proposal.hearing_id))
    names = ("proposals", "proposals_from_groups", "accepted", "partly", "rejected", "merged", "late", "undecided")
    return {hearing_id: dict(zip(names, counts, strict=True)) for hearing_id, *counts in rows.all()}


async def hearing_figures(session: AsyncSession, hearings: list[Hearing]) -> list[HearingFigures]:
    ids = [h.id for h in hearings]
    registrations = await _registrations(session, ids) if ids else {}
    proposals = await _proposals(session, ids) if ids else {}
    found = []
    for hearing in hearings:
        registered, checked_in, women, unstated, members = registrations.get(hearing.id, (0, 0, 0, 0, 0))
        at_door = hearing.attendance_total is not None
        women_at_door = hearing.attendance_women if at_door else None
        figures = Figures(
            participants=hearing.attendance_total if hearing.attendance_total is not None else checked_in,
            women=women if women_at_door is None else women_at_door,
            gender_unstated=unstated if women_at_door is None else 0,
            from_groups=(hearing.attendance_from_groups if at_door and hearing.attendance_from_groups is not None
                         else members),
            registered=registered, checked_in=checked_in, **proposals.get(hearing.id, {}))
        found.append(HearingFigures(hearing, figures, at_door))
    return found


async def municipality_hearings(session: AsyncSession, municipality_id: int) -> list[Hearing]:
    """Every hearing that was not cancelled, latest first."""
    return list((await session.scalars(sa.select(Hearing).where(
        Hearing.municipality_id == municipality_id, Hearing.status != HearingStatus.CANCELLED)
        .order_by(Hearing.starts_at.desc(), Hearing.id.desc()))).all())


def by_year(rows: list[HearingFigures], tz: ZoneInfo) -> list[YearRow]:
    """The same figures summed by (local) year and kind, latest year first."""
    sums: dict[tuple[int, HearingKind], tuple[int, Figures]] = {}
    for row in rows:
        key = (row.hearing.starts_at.astimezone(tz).year, row.hearing.kind)
        count, figures = sums.get(key, (0, Figures()))
        figures.add(row.figures)
        sums[key] = (count + 1, figures)
    order = list(HearingKind)
    return [YearRow(year, kind, count, figures) for (year, kind), (count, figures)
            in sorted(sums.items(), key=lambda item: (-item[0][0], order.index(item[0][1])))]


async def hearings_with_figures(session: AsyncSession, municipality_id: int) -> list[HearingFigures]:
    """Every hearing that was not cancelled, latest first, with its figures (the public page's)."""
    return await hearing_figures(session, await municipality_hearings(session, municipality_id))
