"""How each municipality of a deployment is doing, for the operator: messages waiting to be sent
to its people and its requests past their deadline."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import OutboxStatus, RequestStatus
from storage.models import ChannelIdentity, Municipality, OutboxMessage, Person, Request

WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.NEEDS_TEMPLATE)
OPEN = (RequestStatus.RECEIVED, RequestStatus.IN_REVIEW)


@dataclass(frozen=True)
class Health:
    municipality: Municipality
    backlog: int
    """Outbox messages to its people not sent yet (waiting, being sent, or held for a template)."""
    overdue: int
    """Open requests past their deadline."""


async def municipality_health(session: AsyncSession, now: datetime) -> list[Health]:
    backlog: dict[int | None, int] = {row[0]: row[1] for row in (await session.execute(
        sa.select(Person.municipality_id, sa.func.count())
        .select_from(OutboxMessage).join(ChannelIdentity, ChannelIdentity.id == OutboxMessage.identity_id)
        .join(Person, Person.id == ChannelIdentity.person_id)
        .where(OutboxMessage.status.in_(WAITING)).group_by(Person.municipality_id))).all()}
    overdue: dict[int, int] = {row[0]: row[1] for row in (await session.execute(
        sa.select(Request.municipality_id, sa.func.count())
        .where(Request.status.in_(OPEN), Request.due_at < now).group_by(Request.municipality_id))).all()}
    municipalities = (await session.scalars(sa.select(Municipality).order_by(Municipality.code))).all()
    return [Health(m, backlog.get(m.id, 0), overdue.get(m.id, 0)) for m in municipalities]
