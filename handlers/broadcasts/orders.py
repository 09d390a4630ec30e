"""Ordering an announcement (now or at a time), cancelling a scheduled one, stopping one that is
being sent, listing them.

Every order and every refusal is written to the audit log. An ordinary notice due during
quiet hours waits for their end; an emergency never waits.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.broadcasts.audience import SenderRights, check_groups_in, check_may_address, check_quarters_in
from handlers.errors import InvalidInput, NotAllowed, NotFound
from handlers.staff import audit
from storage.db import rowcount
from storage.enums import BroadcastKind, BroadcastStatus, OutboxStatus
from storage.models import Broadcast, BroadcastRecipient, ChannelIdentity, OutboxMessage, Person

MAX_AHEAD = timedelta(days=60)


class AlreadyFinished(InvalidInput):
    """Cancelling a broadcast that is being sent or was sent, or stopping one that is not being sent."""


@dataclass(frozen=True)
class Stopped:
    broadcast: Broadcast
    stopped: int
    """Recipients whose message was still waiting: they will not get it."""
    under_way: int
    """Messages the delivery worker had already taken: they may still arrive."""


def do_audit(session: AsyncSession, *, via: str, action: str, now: datetime, allowed: bool,
             municipality_id: int | None, actor_person_id: int | None, object_id: int | None = None,
             detail: dict[str, Any] | None = None) -> None:
    """An audit log row about a broadcast (through the staff desk's shared helper)."""
    audit.do_audit(session, via=via[:40], action=action, now=now, allowed=allowed, municipality_id=municipality_id,
                   actor_person_id=actor_person_id, object_type="broadcast", object_id=object_id, detail=detail)


def in_quiet_hours(moment: datetime, quiet: tuple[time, time] | None, tz: ZoneInfo) -> bool:
    if quiet is None:
        return False
    start, end = quiet
    local = moment.astimezone(tz).time()
    return start <= local or local < end if start > end else start <= local < end


def quiet_hours_end(moment: datetime, quiet: tuple[time, time] | None, tz: ZoneInfo) -> datetime:
    """The next end of quiet hours after ``moment`` (aware, in UTC terms of ``moment``); without
    quiet hours, ``moment`` itself."""
    if quiet is None:
        return moment
    local = moment.astimezone(tz)
    end = datetime.combine(local.date(), quiet[1], tzinfo=tz)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(moment.tzinfo)


@dataclass(frozen=True)
class Order:
    kind: BroadcastKind
    quarter_ids: list[int] | None
    text_ky: str | None
    text_ru: str | None
    photo: dict[str, Any] | None
    scheduled_at: datetime | None
    """``None``: now."""
    group_ids: list[int] | None = None
    """Initiative groups addressed (with or without quarters)."""


async def do_order_broadcast(session: AsyncSession, *, rights: SenderRights | None, author: Person,
                             identity: ChannelIdentity | None, order: Order, now: datetime,
                             via: str | None = None) -> Broadcast:
    """Records the broadcast as scheduled (for now or later); raises NotAllowed / InvalidInput.

    Without an ``identity`` (ordered from the web back office: ``via``) nobody gets the progress.
    """
    municipality_id = rights.municipality_id if rights else author.municipality_id
    via = identity.address if identity is not None else via or "web"
    try:
        check_may_address(rights, order.quarter_ids, emergency=order.kind == BroadcastKind.EMERGENCY,
                          group_ids=order.group_ids)
        assert rights is not None, "check_may_address refuses a sender without rights"
        await check_quarters_in(session, rights.municipality_id, order.quarter_ids)
        await check_groups_in(session, rights.municipality_id, order.group_ids)
    except NotAllowed as refusal:
        do_audit(session, via=via, action="broadcast.order", now=now, allowed=False,
                 municipality_id=municipality_id, actor_person_id=author.id,
                 detail={"reason": str(refusal), "quarters": order.quarter_ids, "groups": order.group_ids,
                         "kind": order.kind.value})
        raise
    if not (order.text_ky or order.text_ru):
        raise InvalidInput("a notice needs a text")
    at = order.scheduled_at or now
    if at < now - timedelta(minutes=1) or at > now + MAX_AHEAD:
        raise InvalidInput("the time must be in the future, within two months")
    broadcast = Broadcast(municipality_id=municipality_id, author_person_id=author.id,
                          author_identity_id=identity.id if identity is not None else None,
                          kind=order.kind, status=BroadcastStatus.SCHEDULED, quarter_ids=order.quarter_ids,
                          group_ids=order.group_ids,
                          text_ky=order.text_ky, text_ru=order.text_ru, photo=order.photo, scheduled_at=at,
                          created_at=now)
    session.add(broadcast)
    await session.flush()
    do_audit(session, via=via, action="broadcast.order", now=now, allowed=True,
             municipality_id=municipality_id, actor_person_id=author.id, object_id=broadcast.id,
             detail={"quarters": order.quarter_ids, "groups": order.group_ids, "kind": order.kind.value,
                     "at": at.isoformat()})
    return broadcast


def may_manage(rights: SenderRights | None, person: Person, broadcast: Broadcast) -> bool:
    """The author, or municipality-wide staff of the broadcast's municipality."""
    if broadcast.author_person_id == person.id:
        return True
    return rights is not None and rights.whole_municipality and rights.municipality_id == broadcast.municipality_id


async def do_cancel_broadcast(session: AsyncSession, *, rights: SenderRights | None, person: Person,
                              identity: ChannelIdentity, broadcast_id: int, now: datetime) -> Broadcast:
    broadcast = await _managed(session, rights, person, identity, broadcast_id, now, "broadcast.cancel",
                               BroadcastStatus.SCHEDULED)
    broadcast.status = BroadcastStatus.CANCELLED
    broadcast.cancelled_at = now
    do_audit(session, via=identity.address, action="broadcast.cancel", now=now, allowed=True,
             municipality_id=broadcast.municipality_id, actor_person_id=person.id, object_id=broadcast.id)
    return broadcast


async def do_stop_broadcast(session: AsyncSession, *, rights: SenderRights | None, person: Person,
                            identity: ChannelIdentity, broadcast_id: int, now: datetime) -> Stopped:
    """Stops a broadcast that is being sent: every message not sent yet is cancelled. Those the
    delivery worker has already taken (about two seconds' worth) may still go: the worker records
    them as sent if they were, and a retry never brings a cancelled one back."""
    broadcast = await _managed(session, rights, person, identity, broadcast_id, now, "broadcast.stop",
                               BroadcastStatus.SENDING)
    counts = {status: await _cancel_messages(session, broadcast, status)
              for status in (OutboxStatus.PENDING, OutboxStatus.SENDING)}
    broadcast.status = BroadcastStatus.CANCELLED
    broadcast.cancelled_at = now
    do_audit(session, via=identity.address, action="broadcast.stop", now=now, allowed=True,
             municipality_id=broadcast.municipality_id, actor_person_id=person.id, object_id=broadcast.id,
             detail={"stopped": counts[OutboxStatus.PENDING], "under_way": counts[OutboxStatus.SENDING]})
    return Stopped(broadcast, counts[OutboxStatus.PENDING], counts[OutboxStatus.SENDING])


async def _cancel_messages(session: AsyncSession, broadcast: Broadcast, status: OutboxStatus) -> int:
    mine = sa.select(BroadcastRecipient.outbox_id).where(BroadcastRecipient.broadcast_id == broadcast.id)
    result = await session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(mine), OutboxMessage.status == status)
        .values(status=OutboxStatus.CANCELLED, last_error="the broadcast was stopped")
        .execution_options(synchronize_session=False))
    return rowcount(result)


async def _managed(session: AsyncSession, rights: SenderRights | None, person: Person, identity: ChannelIdentity,
                   broadcast_id: int, now: datetime, action: str, status: BroadcastStatus) -> Broadcast:
    """The broadcast, locked, if this person may manage it and it is in ``status``; a refusal is logged."""
    query = sa.select(Broadcast).where(Broadcast.id == broadcast_id).with_for_update()
    broadcast = (await session.execute(query)).scalar_one_or_none()
    if broadcast is None:
        raise NotFound(f"no broadcast {broadcast_id}")
    if not may_manage(rights, person, broadcast):
        do_audit(session, via=identity.address, action=action, now=now, allowed=False,
                 municipality_id=broadcast.municipality_id, actor_person_id=person.id, object_id=broadcast.id)
        raise NotAllowed("not the author, nor municipal staff")
    if broadcast.status != status:
        raise AlreadyFinished(f"the broadcast is {broadcast.status.value}")
    return broadcast


async def broadcasts_for(session: AsyncSession, rights: SenderRights | None, person: Person, *,
                         limit: int = 8) -> list[Broadcast]:
    """The scheduled ones (soonest first), then the latest others, that this person may manage."""
    mine = Broadcast.author_person_id == person.id
    if rights is not None and rights.whole_municipality:
        mine = sa.or_(mine, Broadcast.municipality_id == rights.municipality_id)
    scheduled = (await session.scalars(sa.select(Broadcast).where(mine, Broadcast.status == BroadcastStatus.SCHEDULED)
                                       .order_by(Broadcast.scheduled_at, Broadcast.id).limit(limit))).all()
    others = (await session.scalars(sa.select(Broadcast).where(mine, Broadcast.status != BroadcastStatus.SCHEDULED)
                                    .order_by(Broadcast.id.desc()).limit(max(0, limit - len(scheduled))))).all()
    return [*scheduled, *others]
