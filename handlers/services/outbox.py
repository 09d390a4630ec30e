"""Writing outgoing messages to the outbox, in the caller's unit of work."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.envelope import Reply
from handlers.outbox_payload import encode_reply
from storage.enums import OutboxStatus
from storage.models import ChannelIdentity, OutboxMessage

PRIORITY_REPLY = 0
PRIORITY_NOTIFICATION = 5
PRIORITY_BROADCAST = 9


_WRITTEN_TO = "outbox_written_to"


def do_enqueue(session: AsyncSession, identity: ChannelIdentity, reply: Reply, now: datetime,
               *, priority: int = PRIORITY_REPLY) -> OutboxMessage:
    message = OutboxMessage(**outbox_row(identity, reply, now, priority=priority))
    session.add(message)
    note_written_to(session, identity.address)
    return message


def note_written_to(session: AsyncSession, address: str) -> None:
    """Remembers, for the unit of work, that a message to ``address`` was written (``written_to``)."""
    session.info.setdefault(_WRITTEN_TO, set()).add(address)


def written_to(session: AsyncSession) -> set[str]:
    """The addresses the unit of work wrote messages to (through ``do_enqueue`` or ``note_written_to``):
    the delivery worker tells the other instances about them only if it leaves one waiting."""
    return session.info.get(_WRITTEN_TO, set())


def outbox_row(identity: ChannelIdentity, reply: Reply, now: datetime, *,
               priority: int = PRIORITY_REPLY) -> dict[str, object]:
    """An outgoing message (an ``OutboxMessage`` row), not yet written anywhere."""
    return dict(
        identity_id=identity.id,
        channel=identity.channel,
        address=identity.address,
        payload=encode_reply(reply),
        priority=priority,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


async def do_mark_unreachable(session: AsyncSession, identity_ids: set[int], now: datetime) -> None:
    """The people behind these identities blocked the bot: stop writing to them there."""
    await session.execute(sa.update(ChannelIdentity).where(ChannelIdentity.id.in_(identity_ids))
                          .values(blocked_at=now))
    await session.execute(sa.update(OutboxMessage).where(
        OutboxMessage.identity_id.in_(identity_ids), OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.BLOCKED, last_error="the person blocked the bot"))
