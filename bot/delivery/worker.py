"""The delivery worker: drains the outbox through the channels' senders.

- Rows are claimed in order of priority, then age, with a lease: a crash leaves them
  'sending' until the lease runs out, then they are sent again (at most the messages in
  flight at the crash can go twice; nothing is lost).
- Messages to one address go one at a time and in order, paced per chat; different
  addresses go concurrently, within each sender's per-bot limit.
- 429 → wait ``retry_after``; 403 → the identity is marked blocked and its queue dropped
  as 'blocked'; other failures retry with exponential back-off, then give up as 'failed'.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from bot.delivery.sender import NeedsTemplate, Outgoing, PermanentFailure, RetryLater, Sender, Unreachable
from handlers.services.outbox import do_mark_unreachable
from storage.db import Database
from storage.enums import Channel, OutboxStatus
from storage.models import ChannelIdentity, OutboxMessage
from storage.types import utcnow

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    row_id: int
    identity_id: int
    status: OutboxStatus
    external_id: str | None = None
    error: str | None = None
    retry_in: float | None = None


class DeliveryWorker:
    def __init__(self, db: Database, senders: dict[Channel, Sender], *, clock: Callable[[], datetime] = utcnow,
                 batch: int = 50, lease: timedelta = timedelta(minutes=2), max_attempts: int = 8,
                 idle_poll: float = 1.0) -> None:
        self.db, self.senders, self.clock = db, senders, clock
        self.batch, self.lease, self.max_attempts, self.idle_poll = batch, lease, max_attempts, idle_poll
        self._wake = asyncio.Event()
        self._stopping = False
        self._last_sent_at: dict[str, float] = {}

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        log.info("delivery worker started for %s", ", ".join(sorted(self.senders)) or "no channel")
        while not self._stopping:
            try:
                delivered = await self.deliver_due()
            except Exception:
                log.exception("delivery round failed; retrying shortly")
                delivered = 0
            if delivered == 0 and not self._stopping:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.idle_poll)
                except TimeoutError:
                    pass

    async def deliver_due(self) -> int:
        """Claims a batch of due messages, sends them, records the outcomes; returns how many."""
        claimed = await self._claim()
        if not claimed:
            return 0
        by_address: dict[str, list[Outgoing]] = {}
        for message in claimed:
            by_address.setdefault(message.address, []).append(message)
        results = await asyncio.gather(*(self._send_in_order(queue) for queue in by_address.values()))
        await self._record([outcome for outcomes in results for outcome in outcomes])
        return len(claimed)

    async def _claim(self) -> list[Outgoing]:
        now = self.clock()
        due = sa.or_(
            sa.and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
            sa.and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until < now),
        )
        query = (sa.select(OutboxMessage.id, OutboxMessage.identity_id, OutboxMessage.channel,
                           OutboxMessage.address, OutboxMessage.payload, OutboxMessage.attempts,
                           ChannelIdentity.last_inbound_at)
                 .join(ChannelIdentity, ChannelIdentity.id == OutboxMessage.identity_id)
                 .where(due, OutboxMessage.channel.in_(list(self.senders)))
                 .order_by(OutboxMessage.priority, OutboxMessage.id).limit(self.batch))
        if self.db.dialect == "postgresql":
            query = query.with_for_update(of=OutboxMessage, skip_locked=True)
        async with self.db.transaction() as session:
            rows = (await session.execute(query)).all()
            if rows:
                await session.execute(sa.update(OutboxMessage)
                                      .where(OutboxMessage.id.in_([r.id for r in rows]))
                                      .values(status=OutboxStatus.SENDING, lease_until=now + self.lease))
        self._identity_of = {r.id: r.identity_id for r in rows}
        self._attempts_of = {r.id: r.attempts for r in rows}
        return [Outgoing(r.id, r.channel, r.address, r.payload, r.attempts, r.last_inbound_at) for r in rows]

    async def _send_in_order(self, queue: list[Outgoing]) -> list[Outcome]:
        """Sends one address's messages in order; after a failure the rest wait for the next round."""
        outcomes: list[Outcome] = []
        for index, message in enumerate(queue):
            outcome = await self._send_one(message)
            outcomes.append(outcome)
            if outcome.status in (OutboxStatus.PENDING, OutboxStatus.BLOCKED):  # the rest must wait, in order
                outcomes += [Outcome(m.id, self._identity_of[m.id], outcome.status, retry_in=outcome.retry_in or 0)
                             for m in queue[index + 1:]]
                break
        return outcomes

    async def _send_one(self, message: Outgoing) -> Outcome:
        sender = self.senders[message.channel]
        await self._pace(message.address, sender.per_chat_interval)
        identity_id = self._identity_of[message.id]
        try:
            external_id = await sender.send(message)
        except RetryLater as error:
            return Outcome(message.id, identity_id, OutboxStatus.PENDING, error=str(error), retry_in=error.seconds)
        except Unreachable as error:
            return Outcome(message.id, identity_id, OutboxStatus.BLOCKED, error=str(error))
        except NeedsTemplate as error:
            log.warning("message %s to %s is held: %s", message.id, message.address, error)
            return Outcome(message.id, identity_id, OutboxStatus.NEEDS_TEMPLATE, error=str(error))
        except PermanentFailure as error:
            log.warning("message %s to %s failed for good: %s", message.id, message.address, error)
            return Outcome(message.id, identity_id, OutboxStatus.FAILED, error=str(error))
        except Exception as error:  # transient: network, 5xx, anything unexpected
            attempts = message.attempts + 1
            if attempts >= self.max_attempts:
                log.error("message %s to %s failed after %s attempts: %r", message.id, message.address, attempts, error)
                return Outcome(message.id, identity_id, OutboxStatus.FAILED, error=repr(error))
            log.info("message %s to %s will be retried: %r", message.id, message.address, error)
            return Outcome(message.id, identity_id, OutboxStatus.PENDING, error=repr(error),
                           retry_in=min(2.0 ** attempts, 300.0))
        finally:
            self._last_sent_at[message.address] = time.monotonic()
        return Outcome(message.id, identity_id, OutboxStatus.SENT, external_id=external_id)

    async def _pace(self, address: str, interval: float) -> None:
        last = self._last_sent_at.get(address)
        if last is not None and interval > 0:
            wait = last + interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        if len(self._last_sent_at) > 10_000:  # forget chats that went quiet long ago
            horizon = time.monotonic() - 60
            self._last_sent_at = {a: t for a, t in self._last_sent_at.items() if t > horizon}

    async def _record(self, outcomes: list[Outcome]) -> None:
        now = self.clock()
        sent = [o for o in outcomes if o.status == OutboxStatus.SENT]
        async with self.db.transaction() as session:
            if sent:  # one executemany for the common case
                await session.execute(sa.update(OutboxMessage), [
                    {"id": o.row_id, "status": OutboxStatus.SENT, "sent_at": now, "external_id": o.external_id,
                     "attempts": self._attempts_of[o.row_id] + 1, "lease_until": None} for o in sent])
            for outcome in outcomes:
                if outcome.status == OutboxStatus.SENT:
                    continue
                values: dict[str, object] = {"status": outcome.status, "lease_until": None}
                if outcome.error is not None:
                    values.update(last_error=outcome.error, attempts=OutboxMessage.attempts + 1)
                if outcome.status == OutboxStatus.PENDING:
                    values["next_attempt_at"] = now + timedelta(seconds=outcome.retry_in or 0)
                await session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == outcome.row_id)
                                      .values(**values))
            blocked = {o.identity_id for o in outcomes if o.status == OutboxStatus.BLOCKED and o.error is not None}
            if blocked:
                await do_mark_unreachable(session, blocked, now)
                log.info("identities %s blocked the bot; their queued messages are dropped", sorted(blocked))
