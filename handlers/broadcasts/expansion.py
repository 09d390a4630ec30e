"""A due broadcast becomes one outbox row per recipient, in one transaction.

The move from 'scheduled' to 'sending' happens in the same transaction as the expansion
(the broadcast's row is locked first), so two processes or a restart start it once; the
delivery worker then drains the rows within each bot's limit, and a crash loses none.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.broadcasts.audience import audience
from handlers.broadcasts.notice import notice_reply, sender_name
from handlers.broadcasts.orders import in_quiet_hours, quiet_hours_end
from handlers.broadcasts.progress import progress_text
from handlers.config import CoreConfig
from handlers.envelope import Reply
from handlers.i18n import gettext
from handlers.outbox_payload import encode_reply
from handlers.services.outbox import PRIORITY_BROADCAST, PRIORITY_NOTIFICATION, do_enqueue
from handlers.services.places import quarter_label
from storage.db import get_referenced
from storage.enums import BroadcastKind, BroadcastStatus, Language, OutboxStatus
from storage.models import (
    Broadcast,
    BroadcastRecipient,
    ChannelIdentity,
    InitiativeGroup,
    Municipality,
    OutboxMessage,
    Person,
    Quarter,
    Village,
)

PRIORITY_EMERGENCY = 1
"""Emergencies go before notifications and ordinary broadcasts; replies in a dialog still go first."""


async def due_broadcast_ids(session: AsyncSession, now: datetime) -> list[int]:
    query = (sa.select(Broadcast.id).where(Broadcast.status == BroadcastStatus.SCHEDULED,
                                           Broadcast.scheduled_at <= now)
             .order_by(sa.case((Broadcast.kind == BroadcastKind.EMERGENCY, 0), else_=1), Broadcast.scheduled_at))
    return list((await session.scalars(query)).all())


async def do_start_broadcast(session: AsyncSession, broadcast_id: int, now: datetime, config: CoreConfig) -> bool:
    """Expands the broadcast if it is (still) due; false if someone else started it or it must wait."""
    query = sa.select(Broadcast).where(Broadcast.id == broadcast_id).with_for_update()
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    broadcast = (await session.execute(query)).scalar_one_or_none()
    if broadcast is None or broadcast.status != BroadcastStatus.SCHEDULED or broadcast.scheduled_at > now:
        return False
    emergency = broadcast.kind == BroadcastKind.EMERGENCY
    if not emergency and in_quiet_hours(now, config.quiet_hours, config.timezone):
        broadcast.scheduled_at = quiet_hours_end(now, config.quiet_hours, config.timezone)
        return False
    found = await audience(session, broadcast.municipality_id, broadcast.quarter_ids, emergency=emergency,
                           group_ids=broadcast.group_ids)
    municipality = await get_referenced(session, Municipality, broadcast.municipality_id)
    if broadcast.group_ids and not broadcast.quarter_ids:
        quarter_names = await _group_names(session, broadcast.group_ids)
    else:
        quarter_names = await _quarter_names(session, broadcast.quarter_ids)
    senders = {language: sender_name(municipality, language, quarter_names.get(language)) for language in Language}
    priority = PRIORITY_EMERGENCY if emergency else PRIORITY_BROADCAST
    payloads = {(language, channel): encode_reply(notice_reply(broadcast, language, config.capabilities[channel],
                                                               senders[language]))
                for language, channel in {(r.language, r.channel) for r in found.recipients}}
    rows = [{"identity_id": r.identity_id, "channel": r.channel, "address": r.address,
             "payload": payloads[r.language, r.channel],
             "priority": priority, "status": OutboxStatus.PENDING, "attempts": 0, "next_attempt_at": now,
             "created_at": now} for r in found.recipients]
    outbox_ids: list[int] = []
    if rows:
        inserted = await session.execute(
            sa.insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True), rows)
        outbox_ids = list(inserted.scalars().all())
        await session.execute(sa.insert(BroadcastRecipient), [
            {"broadcast_id": broadcast.id, "person_id": r.person_id, "identity_id": r.identity_id, "outbox_id": oid}
            for r, oid in zip(found.recipients, outbox_ids, strict=True)])
    broadcast.status = BroadcastStatus.SENDING if rows else BroadcastStatus.DONE
    broadcast.started_at = now
    broadcast.finished_at = None if rows else now
    broadcast.recipients = len(rows)
    await _do_open_progress(session, broadcast, now)
    return True


async def _quarter_names(session: AsyncSession, quarter_ids: list[int] | None) -> dict[Language, list[str]]:
    if not quarter_ids or len(quarter_ids) > 3:  # many quarters: the municipality's name says enough
        return {}
    quarters = (await session.execute(sa.select(Quarter, Village).join(Village, Village.id == Quarter.village_id)
                                      .where(Quarter.id.in_(quarter_ids))
                                      .order_by(Village.sort, Village.id, Quarter.sort, Quarter.id))).all()
    return {language: [quarter_label(quarter, village, language) for quarter, village in quarters]
            for language in Language}


async def _group_names(session: AsyncSession, group_ids: list[int]) -> dict[Language, list[str]]:
    """A notice to initiative groups is signed with their names (up to three)."""
    if len(group_ids) > 3:
        return {}
    groups = (await session.scalars(sa.select(InitiativeGroup).where(InitiativeGroup.id.in_(group_ids))
                                    .order_by(InitiativeGroup.id))).all()
    return {Language.KY: [g.name_ky for g in groups], Language.RU: [g.name_ru for g in groups]}


async def _do_open_progress(session: AsyncSession, broadcast: Broadcast, now: datetime) -> None:
    """The author's progress message, later edited in place (or the word that nobody was reached)."""
    if broadcast.author_identity_id is None:
        return
    identity = await session.get(ChannelIdentity, broadcast.author_identity_id)
    author = await session.get(Person, broadcast.author_person_id) if broadcast.author_person_id else None
    if identity is None or identity.blocked_at is not None:
        return
    language = author.language if author else Language.RU
    text = progress_text(broadcast, language, done=0)
    if broadcast.recipients == 0:
        text = gettext(language, "Announcement #{id}: nobody could be reached (the audience is empty).",
                       id=broadcast.id)
    message = do_enqueue(session, identity, Reply(text, language=language), now, priority=PRIORITY_NOTIFICATION)
    await session.flush()
    broadcast.progress_outbox_id = message.id
    broadcast.progress_shown = 0
