"""Progress edited in place while a broadcast runs, and the report at its end.

The counts come from the outbox rows of the recipients (their status is the truth), and
the answers from the recipients' acknowledgements.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.envelope import Reply
from handlers.i18n import format_number, gettext
from handlers.services.outbox import PRIORITY_NOTIFICATION, do_enqueue
from storage.enums import BroadcastAck, BroadcastStatus, Language, OutboxStatus
from storage.models import Broadcast, BroadcastRecipient, ChannelIdentity, OutboxMessage, Person

FINAL = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.BLOCKED, OutboxStatus.NEEDS_TEMPLATE)


@dataclass(frozen=True)
class Tally:
    total: int
    by_status: dict[OutboxStatus, int]
    acks: dict[BroadcastAck, int]

    @property
    def done(self) -> int:
        return sum(self.by_status.get(status, 0) for status in FINAL)

    def count(self, status: OutboxStatus) -> int:
        return self.by_status.get(status, 0)


async def tally(session: AsyncSession, broadcast: Broadcast) -> Tally:
    statuses = (await session.execute(
        sa.select(OutboxMessage.status, sa.func.count())
        .join(BroadcastRecipient, BroadcastRecipient.outbox_id == OutboxMessage.id)
        .where(BroadcastRecipient.broadcast_id == broadcast.id).group_by(OutboxMessage.status))).all()
    acks = (await session.execute(
        sa.select(BroadcastRecipient.ack, sa.func.count())
        .where(BroadcastRecipient.broadcast_id == broadcast.id, BroadcastRecipient.ack.is_not(None))
        .group_by(BroadcastRecipient.ack))).all()
    return Tally(broadcast.recipients, dict(statuses), {ack: n for ack, n in acks if ack is not None})


def progress_text(broadcast: Broadcast, language: Language, *, done: int) -> str:
    return gettext(language, "📤 Announcement #{id}: sent {done} of {total}…", id=broadcast.id,
                   done=format_number(done, language), total=format_number(broadcast.recipients, language))


def report_text(broadcast: Broadcast, counts: Tally, language: Language) -> str:
    def n(value: int) -> str:
        return format_number(value, language)

    stopped = broadcast.status == BroadcastStatus.CANCELLED
    lines = [gettext(language, "⏹ Announcement #{id} was stopped while it was being sent. Report:", id=broadcast.id)
             if stopped else gettext(language, "✅ Announcement #{id} is sent. Report:", id=broadcast.id),
             gettext(language, "Delivered: {n}", n=n(counts.count(OutboxStatus.SENT))),
             gettext(language, "Failed: {n}", n=n(counts.count(OutboxStatus.FAILED))),
             gettext(language, "Blocked the bot: {n}", n=n(counts.count(OutboxStatus.BLOCKED))),
             gettext(language, "Waiting for a WhatsApp template: {n}", n=n(counts.count(OutboxStatus.NEEDS_TEMPLATE))),
             gettext(language, "Answered «I saw it»: {n}", n=n(counts.acks.get(BroadcastAck.SEEN, 0)))]
    if counts.count(OutboxStatus.CANCELLED):
        lines.insert(4, gettext(language, "Not sent, the announcement was stopped: {n}",
                                n=n(counts.count(OutboxStatus.CANCELLED))))
    if counts.acks.get(BroadcastAck.COMING):
        lines.append(gettext(language, "Answered «I will come»: {n}", n=n(counts.acks[BroadcastAck.COMING])))
    return "\n".join(lines)


async def do_report_progress(session: AsyncSession, broadcast_id: int, now: datetime, *, edit: bool) -> bool:
    """Updates the author's progress line (if ``edit`` and it changed); at the end, the report.

    Returns true when the broadcast has finished now.
    """
    broadcast = (await session.execute(sa.select(Broadcast).where(Broadcast.id == broadcast_id)
                                       .with_for_update())).scalar_one_or_none()
    if broadcast is None or broadcast.status != BroadcastStatus.SENDING:
        return False
    counts = await tally(session, broadcast)
    finished = counts.done >= counts.total
    if finished:
        broadcast.status = BroadcastStatus.DONE
        broadcast.finished_at = now
    if not (finished or (edit and counts.done != broadcast.progress_shown)):
        return False
    author_identity_id = broadcast.author_identity_id
    identity = await session.get(ChannelIdentity, author_identity_id) if author_identity_id else None
    if identity is None or identity.blocked_at is not None:
        return finished
    author = await session.get(Person, broadcast.author_person_id) if broadcast.author_person_id else None
    language = author.language if author else Language.RU
    if broadcast.progress_outbox_id is not None and counts.done != broadcast.progress_shown:
        do_enqueue(session, identity, Reply(progress_text(broadcast, language, done=counts.done), language=language,
                                            edit_of=broadcast.progress_outbox_id), now, priority=PRIORITY_NOTIFICATION)
        broadcast.progress_shown = counts.done
    if finished:
        do_enqueue(session, identity, Reply(report_text(broadcast, counts, language), language=language), now,
                   priority=PRIORITY_NOTIFICATION)
    return finished


async def sending_broadcast_ids(session: AsyncSession) -> list[int]:
    return list((await session.scalars(sa.select(Broadcast.id).where(Broadcast.status == BroadcastStatus.SENDING)
                                       .order_by(Broadcast.id))).all())
