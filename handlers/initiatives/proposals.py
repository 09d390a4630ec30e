"""Proposals (сунуш / предложение) to a hearing and their outcomes.

A proposal sent after the hearing is over is kept and marked late, never lost. A resident
may send one for a group they belong to or coordinate. Each author is told the outcome in
the language they wrote in (Law No. 67).
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import InvalidInput, NotAllowed
from handlers.i18n import N_
from handlers.initiatives.groups import coordinated_groups, member_group_ids
from handlers.initiatives.hearings import is_over
from handlers.initiatives.notify import do_tell
from storage.enums import HearingStatus, Language, ProposalOutcome
from storage.models import Hearing, Person, Proposal

MAX_TEXT = 3000
MAX_NOTE = 1000

OUTCOME_MESSAGES = {
    ProposalOutcome.ACCEPTED: N_("Your proposal #{id} to the hearing «{title}» was accepted: it is taken into "
                                 "the budget or the programme. Thank you!"),
    ProposalOutcome.PARTLY: N_("Your proposal #{id} to the hearing «{title}» was partly accepted. {note}"),
    ProposalOutcome.REJECTED: N_("Your proposal #{id} to the hearing «{title}» was not accepted. The reason: {note}"),
    ProposalOutcome.MERGED: N_("Your proposal #{id} to the hearing «{title}» was merged with proposal #{other}, "
                               "which says the same; it is considered together with it. {note}"),
}


class Why(StrEnum):
    MISSING = "missing"
    NOT_OF_HEARING = "not_of_hearing"
    NEEDS_REASON = "needs_reason"
    BAD_MERGE = "bad_merge"


class OutcomeRefused(InvalidInput):
    """An outcome that cannot be recorded: ``why``, and of which proposal (the id as given)."""

    def __init__(self, proposal_id: int, why: Why) -> None:
        super().__init__(f"proposal {proposal_id}: {why.value}")
        self.proposal_id, self.why = proposal_id, why


@dataclass(frozen=True)
class Decision:
    """What staff chose for one proposal (``outcome`` None: nothing chosen)."""

    proposal_id: int
    outcome: ProposalOutcome | None
    note: str | None = None
    merged_into_id: int | None = None


async def groups_to_speak_for(session: AsyncSession, person: Person) -> set[int]:
    """The groups a person may send a proposal for: those they are a member of or coordinate."""
    return await member_group_ids(session, person.id) | {g.id for g in await coordinated_groups(session, person)}


def check_proposal_text(text: str | None) -> str:
    text = (text or "").strip()
    if not any(ch.isalnum() for ch in text) or len(text) > MAX_TEXT:
        raise InvalidInput(f"a proposal needs words, at most {MAX_TEXT} characters")
    return text


async def do_submit_proposal(session: AsyncSession, *, hearing: Hearing, person: Person, text: str,
                             language: Language, now: datetime, group_id: int | None = None,
                             photo: dict[str, Any] | None = None) -> Proposal:
    """Keeps the proposal (late if the hearing is over); raises InvalidInput, NotAllowed (a group
    the person does not belong to)."""
    text = check_proposal_text(text)
    if hearing.status == HearingStatus.CANCELLED or hearing.municipality_id != person.municipality_id:
        raise InvalidInput(f"hearing {hearing.id} does not take proposals from person {person.id}")
    if group_id is not None and group_id not in await groups_to_speak_for(session, person):
        raise NotAllowed(f"person {person.id} does not speak for group {group_id}")
    proposal = Proposal(hearing_id=hearing.id, person_id=person.id, group_id=group_id, language=language, text=text,
                        photo=photo, late=is_over(hearing, now), created_at=now)
    session.add(proposal)
    await session.flush()
    return proposal


async def do_decide_proposal(session: AsyncSession, *, hearing: Hearing, proposal_id: int, outcome: ProposalOutcome,
                             note: str | None, merged_into_id: int | None, decided_by: int, now: datetime) -> Proposal:
    """Records the outcome and tells the author; raises OutcomeRefused (a rejection without a reason,
    a merge into nothing or into itself, a proposal of another hearing)."""
    proposal = await _proposal_of(session, hearing, proposal_id)
    note, merged_into_id = await _checked(session, hearing, proposal, outcome, note, merged_into_id)
    proposal.outcome, proposal.outcome_note, proposal.merged_into_id = outcome, note or None, merged_into_id
    proposal.decided_at, proposal.decided_by_person_id = now, decided_by
    await do_tell(session, proposal.person_id, OUTCOME_MESSAGES[outcome], now, language=proposal.language,
                  id=proposal.id, title=hearing.title, note=note, other=merged_into_id or "")
    return proposal


async def _proposal_of(session: AsyncSession, hearing: Hearing, proposal_id: int) -> Proposal:
    proposal = (await session.execute(sa.select(Proposal).where(Proposal.id == proposal_id)
                                      .with_for_update())).scalar_one_or_none()
    if proposal is None or proposal.hearing_id != hearing.id:
        raise OutcomeRefused(proposal_id, Why.NOT_OF_HEARING)
    return proposal


async def _checked(session: AsyncSession, hearing: Hearing, proposal: Proposal, outcome: ProposalOutcome,
                   note: str | None, merged_into_id: int | None) -> tuple[str, int | None]:
    """The note (stripped) and the proposal merged into, as they will be kept; raises OutcomeRefused."""
    note = (note or "").strip()
    if len(note) > MAX_NOTE or (outcome == ProposalOutcome.REJECTED and not note):
        raise OutcomeRefused(proposal.id, Why.NEEDS_REASON)
    if outcome != ProposalOutcome.MERGED:
        return note, None
    other = await session.get(Proposal, merged_into_id) if merged_into_id else None
    if other is None or other.hearing_id != hearing.id or other.id == proposal.id:
        raise OutcomeRefused(proposal.id, Why.BAD_MERGE)
    return note, merged_into_id


async def do_decide_proposals(session: AsyncSession, *, hearing: Hearing, decisions: list[Decision],
                              decided_by: int, now: datetime) -> list[int]:
    """Records every decision of one form and tells each author whose outcome changed (in their
    language, as ``do_decide_proposal``); an unchanged one is left alone. Raises OutcomeRefused for the
    first that cannot be recorded (the caller rolls the whole form back). Returns the ids recorded."""
    recorded = []
    for decision in decisions:
        if decision.outcome is None:
            raise OutcomeRefused(decision.proposal_id, Why.MISSING)
        proposal = await _proposal_of(session, hearing, decision.proposal_id)
        note, merged_into_id = await _checked(session, hearing, proposal, decision.outcome, decision.note,
                                              decision.merged_into_id)
        if (proposal.outcome, proposal.outcome_note or "", proposal.merged_into_id) == (
                decision.outcome, note, merged_into_id):
            continue
        await do_decide_proposal(session, hearing=hearing, proposal_id=proposal.id, outcome=decision.outcome,
                                 note=note, merged_into_id=merged_into_id, decided_by=decided_by, now=now)
        recorded.append(proposal.id)
    return recorded
