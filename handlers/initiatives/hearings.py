"""Public hearings: announced by municipal staff through the announcements' machinery (a
'hearing' broadcast to the municipality, or to chosen quarters and groups), attended,
closed.

The announcement is an ordinary broadcast of kind 'hearing': audience, quiet hours, rate
limits, progress and the report are the broadcasts'; its "I will come" registers.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.broadcasts.audience import SenderRights
from handlers.broadcasts.orders import Order, do_order_broadcast
from handlers.errors import InvalidInput
from handlers.i18n import N_, format_datetime, gettext
from storage.enums import BroadcastKind, HearingKind, HearingStatus, Language
from storage.models import Hearing, HearingRegistration, Person

MAX_AHEAD = timedelta(days=60)
"""As far ahead as an announcement may be scheduled."""
LASTS = timedelta(hours=12)
"""After this long from its start a hearing is over even if nobody closed it: later proposals are late."""
MAX_TITLE, MAX_PLACE, MAX_AGENDA = 200, 200, 2000

KIND_NAMES = {
    HearingKind.BUDGET: N_("the local budget"),
    HearingKind.PROGRAMME: N_("the social-economic development programme"),
    HearingKind.OTHER: N_("another question"),
}


class HearingInPast(InvalidInput):
    """A hearing announced for a time that has passed (or too far ahead)."""


@dataclass(frozen=True)
class HearingDraft:
    kind: HearingKind
    title: str
    place: str
    agenda: str
    starts_at: datetime
    quarter_ids: list[int] | None = None
    group_ids: list[int] | None = None


def check_draft(draft: HearingDraft, now: datetime) -> HearingDraft:
    """The draft with its texts stripped; raises HearingInPast or InvalidInput."""
    title, place, agenda = draft.title.strip(), draft.place.strip(), draft.agenda.strip()
    if not title or not place or len(title) > MAX_TITLE or len(place) > MAX_PLACE or len(agenda) > MAX_AGENDA:
        raise InvalidInput("a hearing needs a title and a place of reasonable length")
    if draft.starts_at <= now or draft.starts_at > now + MAX_AHEAD:
        raise HearingInPast(f"{draft.starts_at} is not between now and {MAX_AHEAD.days} days ahead")
    return HearingDraft(draft.kind, title, place, agenda, draft.starts_at, draft.quarter_ids or None,
                        draft.group_ids or None)


def hearing_text(hearing: Hearing, language: Language, tz: ZoneInfo) -> str:
    """What residents read about a hearing (in the notice, in the menu)."""
    lines = [f"«{hearing.title}»",
             gettext(language, "Subject: {kind}", kind=gettext(language, KIND_NAMES[hearing.kind])),
             gettext(language, "When: {time}", time=format_datetime(hearing.starts_at, language, tz)),
             gettext(language, "Where: {place}", place=hearing.place)]
    if hearing.agenda:
        lines.append(gettext(language, "Agenda: {agenda}", agenda=hearing.agenda))
    lines.append(gettext(language, "You can send your proposals through this bot before or during the hearing: "
                                   "menu «🏛 Public hearings»."))
    return "\n".join(lines)


async def do_announce_hearing(session: AsyncSession, *, author: Person, municipality_id: int, draft: HearingDraft,
                              now: datetime, via: str, tz: ZoneInfo) -> Hearing:
    """Records the hearing and orders its announcement now; raises HearingInPast, InvalidInput,
    NotAllowed (quarters or groups of another municipality: audited by the order)."""
    draft = check_draft(draft, now)
    hearing = Hearing(municipality_id=municipality_id, kind=draft.kind, status=HearingStatus.ANNOUNCED,
                      title=draft.title, place=draft.place, agenda=draft.agenda, starts_at=draft.starts_at,
                      quarter_ids=draft.quarter_ids, group_ids=draft.group_ids, created_by_person_id=author.id,
                      created_at=now)
    session.add(hearing)
    await session.flush()
    texts = {language: hearing_text(hearing, language, tz) for language in Language}
    broadcast = await do_order_broadcast(
        session, rights=SenderRights(municipality_id, True), author=author, identity=None, via=via, now=now,
        order=Order(BroadcastKind.HEARING, draft.quarter_ids, texts[Language.KY], texts[Language.RU], None, None,
                    group_ids=draft.group_ids))
    hearing.broadcast_id = broadcast.id
    return hearing


def is_over(hearing: Hearing, now: datetime) -> bool:
    return hearing.status != HearingStatus.ANNOUNCED or now >= hearing.starts_at + LASTS


async def upcoming(session: AsyncSession, municipality_id: int | None, now: datetime, *,
                   limit: int = 8) -> list[Hearing]:
    """Announced hearings that are not over, soonest first."""
    return list((await session.scalars(sa.select(Hearing).where(
        Hearing.municipality_id == municipality_id, Hearing.status == HearingStatus.ANNOUNCED,
        Hearing.starts_at > now - LASTS).order_by(Hearing.starts_at, Hearing.id).limit(limit))).all())


def do_record_attendance(hearing: Hearing, total: int, women: int, from_groups: int) -> None:
    """The counts at the door; raises InvalidInput unless 0 ≤ women, from groups ≤ total."""
    if min(total, women, from_groups) < 0 or women > total or from_groups > total or total > 1_000_000:
        raise InvalidInput(f"attendance {total}/{women}/{from_groups} does not add up")
    hearing.attendance_total, hearing.attendance_women, hearing.attendance_from_groups = total, women, from_groups


async def do_check_in(session: AsyncSession, hearing: Hearing, registration_id: int, now: datetime) -> None:
    registration = await session.get(HearingRegistration, registration_id)
    if registration is None or registration.hearing_id != hearing.id:
        raise InvalidInput(f"registration {registration_id} is not for hearing {hearing.id}")
    registration.checked_in_at = registration.checked_in_at or now


def do_close_hearing(hearing: Hearing, now: datetime) -> None:
    if hearing.status != HearingStatus.ANNOUNCED:
        raise InvalidInput(f"hearing {hearing.id} is {hearing.status.value}")
    hearing.status, hearing.closed_at = HearingStatus.CLOSED, now
