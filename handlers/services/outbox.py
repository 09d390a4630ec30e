"""Writing outgoing messages to the outbox, in the caller's unit of work.

A delivery worker in the same process can take the messages a unit of work wrote
straight from it (``Handover``): they are written as 'sending' with a lease, so no other
worker claims them, and a crash before they are sent only delays them until the lease
runs out.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.envelope import Reply
from storage.enums import Channel, OutboxStatus
from storage.models import ChannelIdentity, OutboxMessage

PRIORITY_REPLY = 0
PRIORITY_NOTIFICATION = 5
PRIORITY_BROADCAST = 9


@dataclass(frozen=True)
class OutgoingMessage:
    """One outbox row as a sender sees it."""

    id: int
    channel: Channel
    address: str
    payload: dict[str, Any]
    attempts: int
    last_inbound_at: datetime | None = None
    """When the person last wrote to us on this identity (WhatsApp's 24-hour window)."""
    identity_id: int = 0


class Handover(Protocol):
    lease: timedelta

    def takes(self, channel: Channel) -> bool:
        """Whether messages for this channel can be handed over (a sender for it runs here)."""
        ...

    def take(self, messages: list[OutgoingMessage]) -> None:
        """Accepts messages that were just committed, leased to it."""
        ...


def do_enqueue(session: AsyncSession, identity: ChannelIdentity, reply: Reply, now: datetime,
               *, priority: int = PRIORITY_REPLY, leased_until: datetime | None = None) -> OutboxMessage:
    message = OutboxMessage(
        identity_id=identity.id,
        channel=identity.channel,
        address=identity.address,
        payload=reply.to_payload(),
        priority=priority,
        status=OutboxStatus.SENDING if leased_until else OutboxStatus.PENDING,
        lease_until=leased_until,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    return message


def handed_over(rows: list[OutboxMessage], identity: ChannelIdentity) -> list[OutgoingMessage]:
    return [OutgoingMessage(row.id, row.channel, row.address, row.payload, 0, identity.last_inbound_at, identity.id)
            for row in rows]


async def do_mark_unreachable(session: AsyncSession, identity_ids: set[int], now: datetime) -> None:
    """The people behind these identities blocked the bot: stop writing to them there."""
    await session.execute(sa.update(ChannelIdentity).where(ChannelIdentity.id.in_(identity_ids))
                          .values(blocked_at=now))
    await session.execute(sa.update(OutboxMessage).where(
        OutboxMessage.identity_id.in_(identity_ids), OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.BLOCKED, last_error="the person blocked the bot"))
