"""What a resident says back about a request: the answer to a clarifying question, a
rating of the resolution, or "not solved" (which reopens it)."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.envelope import Attachment
from handlers.errors import InvalidInput
from storage.enums import Channel, RequestEventKind, RequestStatus
from storage.models import Request, RequestAttachment, RequestEvent

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


def do_rate_request(session: AsyncSession, request: Request, rating: int, now: datetime) -> None:
    if not 1 <= rating <= 5:
        raise InvalidInput("a rating is 1 to 5")
    if not can_be_rated(request, now):
        raise InvalidInput("this request cannot be rated now")
    request.rating, request.rated_at = rating, now
    session.add(RequestEvent(request_id=request.id, kind=RequestEventKind.RATED, at=now,
                             actor_person_id=request.person_id, detail={"rating": rating}))


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
