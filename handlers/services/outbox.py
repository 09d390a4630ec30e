"""Writing outgoing messages to the outbox, in the caller's unit of work."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.envelope import Reply
from storage.enums import OutboxStatus
from storage.models import ChannelIdentity, OutboxMessage

PRIORITY_REPLY = 0
PRIORITY_NOTIFICATION = 5
PRIORITY_BROADCAST = 9


def do_enqueue(session: AsyncSession, identity: ChannelIdentity, reply: Reply, now: datetime,
               *, priority: int = PRIORITY_REPLY) -> OutboxMessage:
    message = OutboxMessage(
        identity_id=identity.id,
        channel=identity.channel,
        address=identity.address,
        payload=reply.to_payload(),
        priority=priority,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    return message
