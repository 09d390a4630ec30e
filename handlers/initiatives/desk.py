"""The hearings desk the web back office calls: announce, record attendance, check in,
close, decide proposals, and the report; one unit of work per action (the staff desk's
machinery: a hearing of another municipality does not exist for the actor, a refusal is
audited after the rollback).

Municipal staff (head, administrator, department staff) manage hearings; a kvartalkom
head may look at them and at the report.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import InvalidInput, NotAllowed
from handlers.initiatives import groups, hearings, proposals
from handlers.initiatives.hearings import HearingDraft
from handlers.initiatives.report import HearingFigures, YearRow, by_year, hearing_figures, municipality_hearings
from handlers.services.places import quarter_choices
from handlers.staff.access import STAFF_ROLES, Actor, load_actor
from handlers.staff.audit import do_audit
from handlers.staff.desk import DeskMachinery, Refused
from storage.db import get_referenced
from storage.enums import Gender, Language, MembershipStatus, ProposalOutcome
from storage.models import (
    GroupMember,
    Hearing,
    HearingRegistration,
    InitiativeGroup,
    ParticipantProfile,
    Person,
    Proposal,
)


class HearingAction(StrEnum):
    VIEW = "hearing.view"
    ANNOUNCE = "hearing.announce"
    ATTENDANCE = "hearing.attendance"
    CHECK_IN = "hearing.check_in"
    CLOSE = "hearing.close"
    OUTCOME = "hearing.outcome"
    OUTCOMES = "hearing.outcomes"
    GROUP_CREATE = "group.create"
    GROUP_COORDINATOR = "group.coordinator"


def manages_hearings(actor: Actor) -> bool:
    return actor.sees_everything or bool(actor.departments)


def sees_hearings(actor: Actor) -> bool:
    """Staff of the municipality (not, say, a lawyer signed in for the legal queue)."""
    return any(g.role in STAFF_ROLES for g in actor.grants)


@dataclass(frozen=True)
class Registered:
    id: int
    name: str
    woman: bool
    in_group: bool
    checked_in: bool


@dataclass(frozen=True)
class ProposalRow:
    proposal: Proposal
    author: str
    group: str | None


@dataclass(frozen=True)
class HearingDetail:
    figures: HearingFigures
    registered: list[Registered]
    proposals: list[ProposalRow]
    may_manage: bool

    @property
    def hearing(self) -> Hearing:
        return self.figures.hearing


@dataclass(frozen=True)
class HearingChoices:
    quarters: list[tuple[int, str]]
    groups: list[tuple[int, str]]


class HearingDesk(DeskMachinery[HearingAction]):
    object_type = "hearing"

    async def actor(self, person_id: int, municipality_id: int, *, via: str,
                    language: Language | None = None) -> Actor | None:
        async with self.db.reader() as session:
            return await load_actor(session, person_id, municipality_id, via, language)

    async def _visible(self, actor: Actor, hearing_id: int, action: HearingAction, session: AsyncSession, *,
                       lock: bool = False) -> Hearing:
        hearing = await session.get(Hearing, hearing_id, with_for_update=lock)
        if hearing is None or hearing.municipality_id != actor.municipality_id or not sees_hearings(actor):
            raise Refused(visible=False)
        if action != HearingAction.VIEW and not manages_hearings(actor):
            raise Refused(visible=True)
        return hearing

    # -- seeing ----------------------------------------------------------------------------------
    async def _check_sees(self, actor: Actor) -> None:
        if not sees_hearings(actor):
            await self._audit(actor, HearingAction.VIEW, None, False, {"reason": "no staff role"})
            raise NotAllowed(f"person {actor.person_id} has no staff role for hearings")

    async def report(self, actor: Actor) -> tuple[list[HearingFigures], list[YearRow]]:
        await self._check_sees(actor)
        async with self.db.reader() as session:
            rows = await hearing_figures(session, await municipality_hearings(session, actor.municipality_id))
        return rows, by_year(rows, self.config.timezone)

    async def detail(self, actor: Actor, hearing_id: int) -> HearingDetail:
        try:
            async with self.db.reader() as session:
                hearing = await self._visible(actor, hearing_id, HearingAction.VIEW, session)
                [figures] = await hearing_figures(session, [hearing])
                return HearingDetail(figures, await _registered(session, hearing.id),
                                     await _proposals(session, hearing.id, actor.language), manages_hearings(actor))
        except Refused as refused:
            raise await self._refuse(actor, HearingAction.VIEW, hearing_id, refused) from refused

    async def choices(self, actor: Actor) -> HearingChoices:
        await self._check_sees(actor)
        async with self.db.reader() as session:
            ky = actor.language == Language.KY
            quarters = await quarter_choices(session, actor.municipality_id, actor.language)
            groups = (await session.scalars(sa.select(InitiativeGroup).where(
                InitiativeGroup.municipality_id == actor.municipality_id).order_by(InitiativeGroup.id))).all()
        return HearingChoices(quarters, [(g.id, g.name_ky if ky else g.name_ru) for g in groups])

    async def groups(self, actor: Actor) -> tuple[list[groups.GroupCard], dict[int, list[tuple[int, str]]]]:
        """The municipality's groups, and for each who could be named coordinator."""
        await self._check_sees(actor)
        async with self.db.reader() as session:
            cards = await groups.group_cards(session, actor.municipality_id)
            return cards, await groups.candidates(session, [c.group.id for c in cards])

    async def create_group(self, actor: Actor, **names: str) -> int:
        """Raises NotAllowed (audited), InvalidInput."""
        await self._check_manages(actor, HearingAction.GROUP_CREATE)
        async with self.db.transaction() as session:
            now = self.clock()
            group = await groups.do_create_group(session, actor.municipality_id, now=now, **names)
            do_audit(session, via=actor.via, action=HearingAction.GROUP_CREATE.value, now=now, allowed=True,
                     municipality_id=actor.municipality_id, actor_person_id=actor.person_id,
                     object_type="initiative_group", object_id=group.id)
        return group.id

    async def set_coordinator(self, actor: Actor, group_id: int, person_id: int) -> None:
        """Raises NotAllowed (audited), NotFound (another municipality's group), InvalidInput."""
        await self._check_manages(actor, HearingAction.GROUP_COORDINATOR)
        async with self.db.transaction() as session:
            now = self.clock()
            group = await groups.group_in(session, actor.municipality_id, group_id)
            await groups.do_set_coordinator(session, group, person_id, now)
            do_audit(session, via=actor.via, action=HearingAction.GROUP_COORDINATOR.value, now=now, allowed=True,
                     municipality_id=actor.municipality_id, actor_person_id=actor.person_id,
                     object_type="initiative_group", object_id=group.id, detail={"coordinator": person_id})

    async def _check_manages(self, actor: Actor, action: HearingAction) -> None:
        if not manages_hearings(actor):
            await self._audit(actor, action, None, False, {"reason": "no role for the action"})
            raise NotAllowed(f"person {actor.person_id} may not {action.value}")

    # -- doing -----------------------------------------------------------------------------------
    async def announce(self, actor: Actor, draft: HearingDraft) -> int:
        """Raises NotAllowed (audited), HearingInPast, InvalidInput; returns the hearing's id."""
        await self._check_manages(actor, HearingAction.ANNOUNCE)
        async with self.db.transaction() as session:
            now = self.clock()
            author = await get_referenced(session, Person, actor.person_id)
            hearing = await hearings.do_announce_hearing(session, author=author, municipality_id=actor.municipality_id,
                                                         draft=draft, now=now, via=actor.via, tz=self.config.timezone)
            await session.flush()
            self._audit_in(session, actor, HearingAction.ANNOUNCE, hearing, now)
        self.on_outbox()
        return hearing.id

    async def record_attendance(self, actor: Actor, hearing_id: int, total: int, women: int, from_groups: int) -> None:
        async def work(session, hearing, now):
            hearings.do_record_attendance(hearing, total, women, from_groups)
        await self._do(actor, hearing_id, HearingAction.ATTENDANCE, work, refresh_cards=False,
                       detail={"total": total, "women": women, "from_groups": from_groups})

    async def check_in(self, actor: Actor, hearing_id: int, registration_id: int) -> None:
        async def work(session, hearing, now):
            await hearings.do_check_in(session, hearing, registration_id, now)
        await self._do(actor, hearing_id, HearingAction.CHECK_IN, work, refresh_cards=False,
                       detail={"registration": registration_id})

    async def close(self, actor: Actor, hearing_id: int) -> None:
        async def work(session, hearing, now):
            hearings.do_close_hearing(hearing, now)
        await self._do(actor, hearing_id, HearingAction.CLOSE, work, refresh_cards=False)

    async def decide(self, actor: Actor, hearing_id: int, proposal_id: int, outcome: ProposalOutcome,
                     note: str | None, merged_into_id: int | None) -> None:
        async def work(session, hearing, now):
            await proposals.do_decide_proposal(session, hearing=hearing, proposal_id=proposal_id, outcome=outcome,
                                               note=note, merged_into_id=merged_into_id,
                                               decided_by=actor.person_id, now=now)
        await self._do(actor, hearing_id, HearingAction.OUTCOME, work, refresh_cards=False,
                       detail={"proposal": proposal_id, "outcome": outcome.value, "merged_into": merged_into_id})

    async def decide_all(self, actor: Actor, hearing_id: int, decisions: list[proposals.Decision]) -> list[int]:
        """Every outcome of one form in one unit of work; the authors whose outcome changed are told.
        Raises NotAllowed / NotFound, or OutcomeRefused (nothing is recorded); each refusal is audited.
        Returns the ids of the proposals recorded."""
        detail: dict = {"proposals": [d.proposal_id for d in decisions]}

        async def work(session, hearing, now):
            detail["recorded"] = await proposals.do_decide_proposals(
                session, hearing=hearing, decisions=decisions, decided_by=actor.person_id, now=now)
        try:
            await self._do(actor, hearing_id, HearingAction.OUTCOMES, work, refresh_cards=False, detail=detail)
        except InvalidInput as bad:
            await self._audit(actor, HearingAction.OUTCOMES, hearing_id, False, {**detail, "reason": str(bad)})
            raise
        return detail["recorded"]

    def _audit_in(self, session: AsyncSession, actor: Actor, action: HearingAction, hearing: Hearing,
                  now: datetime) -> None:
        do_audit(session, via=actor.via, action=action.value, now=now, allowed=True,
                 municipality_id=hearing.municipality_id, actor_person_id=actor.person_id, object_type="hearing",
                 object_id=hearing.id, detail={"starts_at": hearing.starts_at.isoformat()})


async def _registered(session: AsyncSession, hearing_id: int) -> list[Registered]:
    member = sa.exists().where(GroupMember.person_id == HearingRegistration.person_id,
                               GroupMember.status == MembershipStatus.MEMBER)
    rows = await session.execute(
        sa.select(HearingRegistration.id, Person.display_name, Person.id, ParticipantProfile.gender, member,
                  HearingRegistration.checked_in_at)
        .join(Person, Person.id == HearingRegistration.person_id)
        .outerjoin(ParticipantProfile, ParticipantProfile.person_id == Person.id)
        .where(HearingRegistration.hearing_id == hearing_id).order_by(HearingRegistration.id))
    return [Registered(rid, name or f"#{pid}", gender == Gender.FEMALE, bool(in_group), checked is not None)
            for rid, name, pid, gender, in_group, checked in rows.all()]


async def _proposals(session: AsyncSession, hearing_id: int, language: Language) -> list[ProposalRow]:
    rows = await session.execute(
        sa.select(Proposal, Person.display_name, InitiativeGroup)
        .outerjoin(Person, Person.id == Proposal.person_id)
        .outerjoin(InitiativeGroup, InitiativeGroup.id == Proposal.group_id)
        .where(Proposal.hearing_id == hearing_id).order_by(Proposal.id))
    return [ProposalRow(proposal, name or (f"#{proposal.person_id}" if proposal.person_id else "—"),
                        (group.name_ky if language == Language.KY else group.name_ru) if group else None)
            for proposal, name, group in rows.all()]
