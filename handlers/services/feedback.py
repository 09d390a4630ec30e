"""What a resident says back about a request: the answer to a clarifying question, a
rating of the resolution, or "not solved" (which reopens it)."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.envelope import Attachment
from handlers.errors import InvalidInput
from storage.enums import Channel, RequestEventKind, RequestStatus
from storage.models import Request, RequestAttachment, RequestEvent, RequestFollower

RATING_WINDOW = timedelta(days=30)
MAX_REPLY_CHARS = 3000


async def open_question(session: AsyncSession, request_id: int) -> RequestEvent | None:
    """The staff's clarifying question still waiting for the resident's reply, if any."""
    last = (await session.execute(
        sa.select(RequestEvent)
        .where(RequestEvent.request_id == request_id,
               RequestEvent.kind.in_([RequestEventKind.CLARIFICATION_ASKED, RequestEventKind.RESIDENT_REPLIED]))
        .order_by(RequestEvent.id.desc()).limit(1))).scalar_one_or_none()
    return last if last is not None and last.kind == RequestEventKind.CLARIFICATION_ASKED else None


def can_be_rated(request: Request, now: datetime) -> bool:
    return (request.status == RequestStatus.RESOLVED and request.rating is None
            and request.closed_at is not None and now - request.closed_at <= RATING_WINDOW)


def do_record_resident_reply(session: AsyncSession, request: Request, text: str,
                             attachments: tuple[Attachment, ...], channel: Channel, now: datetime) -> RequestEvent:
    if len(text) > MAX_REPLY_CHARS:
        raise InvalidInput("the reply is too long")
    event = RequestEvent(request_id=request.id, kind=RequestEventKind.RESIDENT_REPLIED, at=now,
                         actor_person_id=request.person_id, text=text or None,
                         detail={"attachments": len(attachments)} if attachments else None)
    session.add(event)
    session.add_all([RequestAttachment(request_id=request.id, kind=a.kind, channel=channel, file_ref=a.ref,
                                       mime_type=a.mime_type, created_at=now) for a in attachments])
    request.updated_at = now
    return event


async def followed(session: AsyncSession, person_id: int, request_id: int) -> RequestFollower | None:
    return (await session.execute(sa.select(RequestFollower).where(
        RequestFollower.request_id == request_id, RequestFollower.person_id == person_id))).scalar_one_or_none()


async def request_to_rate(session: AsyncSession, person_id: int, request_id: int) -> Request | None:
    """A request the person wrote or follows (each of them rates it once)."""
    request = await session.get(Request, request_id)
    if request is None or (request.person_id != person_id and await followed(session, person_id, request_id) is None):
        return None
    return request


async def may_rate(session: AsyncSession, request: Request, person_id: int, now: datetime) -> bool:
    """The author as before; a follower while the resolution is fresh and they have not rated it."""
    if request.person_id == person_id:
        return can_be_rated(request, now)
    follower = await followed(session, person_id, request.id)
    return (follower is not None and follower.rating is None and request.status == RequestStatus.RESOLVED
            and request.closed_at is not None and now - request.closed_at <= RATING_WINDOW)


async def do_rate_request(session: AsyncSession, request: Request, rating: int, now: datetime, *,
                          person_id: int | None = None) -> None:
    """Records the rating of the author (``person_id`` omitted or theirs) or of a follower."""
    person_id = request.person_id if person_id is None else person_id
    if not 1 <= rating <= 5:
        raise InvalidInput("a rating is 1 to 5")
    if not await may_rate(session, request, person_id, now):
        raise InvalidInput("this request cannot be rated now")
    if person_id == request.person_id:
        request.rating, request.rated_at = rating, now
    else:
        follower = await followed(session, person_id, request.id)
        assert follower is not None, "may_rate found them"
        follower.rating, follower.rated_at = rating, now
    session.add(RequestEvent(request_id=request.id, kind=RequestEventKind.RATED, at=now, actor_person_id=person_id,
                             detail={"rating": rating, "follower": person_id != request.person_id}))


def do_reopen_request(session: AsyncSession, request: Request, now: datetime) -> RequestEvent:
    """The resident says the problem is not solved: back under review."""
    if not can_be_rated(request, now):
        raise InvalidInput("this request cannot be reopened now")
    event = RequestEvent(request_id=request.id, kind=RequestEventKind.REOPENED, at=now,
                         actor_person_id=request.person_id, status_from=request.status,
                         status_to=RequestStatus.IN_REVIEW)
    session.add(event)
    request.status, request.closed_at, request.updated_at = RequestStatus.IN_REVIEW, None, now
    return event
