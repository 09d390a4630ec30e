"""Merging a duplicate request into another: the duplicate is closed as ``merged`` (pointing to the
other), its author and followers follow the other request (each person once, never its own author),
both histories say so, and both sets of residents are told in their own language.

Nothing is moved or deleted: the duplicate keeps its photos, scans and history, and the request it
went into links to it. Who may merge is the caller's business (the staff desk, the command line).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.envelope import Template
from handlers.errors import InvalidInput
from handlers.i18n import gettext
from handlers.services.requests import StatusRefused, do_tell_resident, status_label
from handlers.services.same_problem import OPEN, affected_counts, do_tell_followers
from storage.enums import Language, RequestEventKind, RequestStatus
from storage.models import Request, RequestEvent, RequestFollower


def check_merge(duplicate: Request, target: Request) -> None:
    """A request goes only into another open request of its own municipality, and only while open."""
    if duplicate.id == target.id:
        raise InvalidInput("a request cannot be merged into itself")
    if duplicate.municipality_id != target.municipality_id:
        raise InvalidInput("a request can only be merged into a request of its own municipality")
    if duplicate.status not in OPEN:
        raise StatusRefused(f"request {duplicate.ticket} is already closed ({duplicate.status.value})",
                            duplicate.status, RequestStatus.MERGED)
    if target.status not in OPEN:
        raise InvalidInput(f"request {target.ticket} is closed ({target.status.value}): merge into an open one")


async def _people_of(session: AsyncSession, request: Request) -> list[tuple[int, Language]]:
    """The request's author and followers, each with the language they are told in."""
    followers = (await session.execute(
        sa.select(RequestFollower.person_id, RequestFollower.language)
        .where(RequestFollower.request_id == request.id).order_by(RequestFollower.id))).all()
    return [(request.person_id, request.language), *((p, language) for p, language in followers)]


async def do_merge_request(session: AsyncSession, duplicate: Request, target: Request, *,
                           actor_person_id: int | None, now: datetime) -> int:
    """Merges ``duplicate`` into ``target`` and tells everyone; returns how many residents joined the target."""
    check_merge(duplicate, target)
    already = set((await session.scalars(sa.select(RequestFollower.person_id)
                                         .where(RequestFollower.request_id == target.id))).all())
    already.add(target.person_id)
    joined = 0
    for person_id, language in await _people_of(session, duplicate):
        if person_id not in already:
            session.add(RequestFollower(request_id=target.id, person_id=person_id, language=language, joined_at=now))
            already.add(person_id)
            joined += 1
    session.add(RequestEvent(request_id=duplicate.id, kind=RequestEventKind.MERGED, at=now,
                             actor_person_id=actor_person_id, status_from=duplicate.status,
                             status_to=RequestStatus.MERGED, detail={"id": target.id, "ticket": target.ticket}))
    session.add(RequestEvent(request_id=target.id, kind=RequestEventKind.MERGED_IN, at=now,
                             actor_person_id=actor_person_id,
                             detail={"id": duplicate.id, "ticket": duplicate.ticket, "joined": joined}))
    duplicate.status, duplicate.merged_into_id = RequestStatus.MERGED, target.id
    duplicate.closed_at = duplicate.updated_at = target.updated_at = now
    await session.flush()
    await _do_tell_both_sides(session, duplicate, target, now)
    return joined


async def _do_tell_both_sides(session: AsyncSession, duplicate: Request, target: Request, now: datetime) -> None:
    def merged(language: Language) -> Template:
        return Template("request_status", {"1": duplicate.ticket,
                                           "2": f"{status_label(RequestStatus.MERGED, language)}: {target.ticket}"})

    told = gettext(duplicate.language, "Your request {ticket} was merged into request {target} about the same "
                                       "problem. You will get its updates here.",
                   ticket=duplicate.ticket, target=target.ticket)
    await do_tell_resident(session, duplicate, told, now, merged(duplicate.language))
    await do_tell_followers(session, duplicate, lambda language: gettext(
        language, "The request {ticket} you joined was merged into request {target} about the same problem. "
                  "You will get its updates here.", ticket=duplicate.ticket, target=target.ticket),
        now, merged(duplicate.language))
    affected = (await affected_counts(session, [target.id]))[target.id]
    told = gettext(target.language, "Another request about the same problem ({ticket}) was joined to your request "
                                    "{target}. Residents affected now: {count}.",
                   ticket=duplicate.ticket, target=target.ticket, count=affected)
    await do_tell_resident(session, target, told, now, Template("request_status", {
        "1": target.ticket, "2": status_label(target.status, target.language)}))
