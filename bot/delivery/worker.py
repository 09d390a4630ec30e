"""The delivery worker: drains the outbox through the channels' senders.

- Rows are claimed in order of priority, then age, with a lease: a crash leaves them
  'sending' until the lease runs out, then they are sent again. Outcomes are recorded
  every few tenths of a second, and a sender's limiter counts a message against its
  per-bot limit until its outcome is recorded (``Outgoing.settled``), so a crash can send
  at most that many (30 for a Telegram bot) twice; nothing is lost. A row the worker still
  holds is never sent again by it, even if its lease ran out and a claim took it again.
- ``run`` is a pipeline: each lane (one per Telegram bot, one per other channel) keeps
  about two seconds of messages claimed ahead, so every bot sends at its own limit and
  a broadcast on one bot does not hold up another; the senders' limiters let replies
  (priority 0) overtake queued broadcast messages. ``deliver_due`` is one round of the
  same, for tests and the console.
- Messages to one address go one at a time and in order, paced per chat; different
  addresses go concurrently, within each sender's per-bot limit.
- 429 → wait ``retry_after``; 403 → the identity is marked blocked and its queue dropped
  as 'blocked'; other failures retry with exponential back-off, then give up as 'failed'.
- Rows of an address no lane serves (a Telegram bot no longer configured) stay pending.
- A row cancelled while under way (its broadcast was stopped) is recorded as sent if it was,
  and otherwise stays cancelled: a retry does not bring it back.
- A reply may point at an earlier outbox row (``edit_of``, ``reply_to``); its platform id
  is looked up just before sending. Rows are decoded by ``handlers.outbox_payload``.
"""

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa

from bot.delivery.sender import NeedsTemplate, Outgoing, PermanentFailure, RetryLater, Sender, Unreachable
from handlers.outbox_payload import decode_reply
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
    attempts: int
    external_id: str | None = None
    error: str | None = None
    retry_in: float | None = None


class DeliveryWorker:
    def __init__(self, db: Database, senders: dict[Channel, Sender], *, clock: Callable[[], datetime] = utcnow,
                 batch: int = 50, lease: timedelta = timedelta(minutes=2), max_attempts: int = 8,
                 idle_poll: float = 1.0, record_every: float = 0.2) -> None:
        self.db, self.senders, self.clock = db, senders, clock
        self.batch, self.lease, self.max_attempts, self.idle_poll = batch, lease, max_attempts, idle_poll
        self.record_every = record_every
        self._wake = asyncio.Event()
        self._stopping = False
        self._last_sent_at: dict[str, float] = {}
        self._sent_ids: dict[int, str | None] = {}
        self._queues: dict[str, deque[Outgoing]] = {}
        self._claimed: dict[str, int] = {}
        self._lane_sizes: dict[str, int] = {}
        self._outcomes: list[tuple[Outcome, asyncio.Future | None]] = []
        self._held: set[int] = set()
        """Ids claimed by the pipeline whose outcomes are not recorded yet."""
        self._tasks: set[asyncio.Task] = set()
        self.also_wake: list[Callable[[], None]] = []
        """Called on every wake: an intake worker process tells the service's delivery worker."""

    def wake(self) -> None:
        self._wake.set()
        for wake in self.also_wake:
            wake()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    # -- the pipeline ------------------------------------------------------------------------
    async def run(self) -> None:
        log.info("delivery worker started for %s", ", ".join(sorted(self.senders)) or "no channel")
        recorder = asyncio.create_task(self._record_continuously(), name="delivery-recorder")
        try:
            while not self._stopping:
                try:
                    claimed = await self._claim(self._wanted(), held=self._held)
                except Exception:
                    log.exception("claiming from the outbox failed; retrying shortly")
                    claimed = []
                for message in claimed:
                    self._held.add(message.id)
                    self._dispatch(message)
                if not claimed and not self._stopping:
                    self._wake.clear()
                    try:
                        await asyncio.wait_for(self._wake.wait(), self.idle_poll)
                    except TimeoutError:
                        pass
                elif claimed:
                    await asyncio.sleep(0.05)  # let the lanes drain a little before topping up
        finally:
            recorder.cancel()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(recorder, *self._tasks, return_exceptions=True)
            await self._flush()

    def _lanes(self) -> dict[str, int]:
        lanes: dict[str, int] = {}
        for channel, sender in self.senders.items():
            own = getattr(sender, "lanes", None)
            lanes.update(own() if own is not None else {f"{channel.value}:": self.batch})
        return lanes

    def _wanted(self) -> dict[str, int]:
        """How many more rows each lane should have claimed (it is topped up when half empty)."""
        wanted = {}
        self._lane_sizes = self._lanes()
        for prefix, ahead in self._lane_sizes.items():
            have = self._claimed.get(prefix, 0)
            if have <= ahead // 2:
                wanted[prefix] = ahead - have
        return wanted

    def _dispatch(self, message: Outgoing) -> None:
        queue = self._queues.get(message.address)
        if queue is not None:
            queue.append(message)
            return
        self._queues[message.address] = deque([message])
        task = asyncio.create_task(self._drain(message.address))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, address: str) -> None:
        queue = self._queues[address]
        try:
            while queue:
                message = queue.popleft()
                settled = asyncio.get_running_loop().create_future()
                try:
                    outcome = await self._send_one(replace(message, settled=settled))
                except BaseException:
                    settled.cancel()
                    raise
                self._done(message, outcome, settled)
                if outcome.status in (OutboxStatus.PENDING, OutboxStatus.BLOCKED):  # the rest wait, in order
                    while queue:
                        rest = queue.popleft()
                        self._done(rest, Outcome(rest.id, rest.identity_id, outcome.status, rest.attempts,
                                                 retry_in=outcome.retry_in or 0))
        finally:
            del self._queues[address]

    def _done(self, message: Outgoing, outcome: Outcome, settled: asyncio.Future | None = None) -> None:
        self._outcomes.append((outcome, settled))
        prefix = self._lane_of(message.address)
        self._claimed[prefix] = self._claimed.get(prefix, 1) - 1
        if self._claimed[prefix] <= self._lane_sizes.get(prefix, self.batch) // 2:
            self._wake.set()  # time to top the lane up

    def _lane_of(self, address: str) -> str:
        for prefix in self._lane_sizes:
            if address.startswith(prefix):
                return prefix
        return address.split(":", 1)[0] + ":"

    async def _record_continuously(self) -> None:
        while True:
            await asyncio.sleep(self.record_every)
            try:
                await self._flush()
            except Exception:
                log.exception("recording delivery outcomes failed; retrying")

    async def _flush(self) -> None:
        done, self._outcomes = self._outcomes, []
        if not done:
            return
        try:
            await self._record([outcome for outcome, _ in done])
        except BaseException:
            self._outcomes = done + self._outcomes  # keep them for the next try
            raise
        for outcome, settled in done:
            self._held.discard(outcome.row_id)
            if settled is not None and not settled.done():
                settled.set_result(None)  # the limiter may let another message go in its place
        if any(outcome.status != OutboxStatus.SENT for outcome, _ in done):
            self._wake.set()

    # -- one round (tests, the console) -------------------------------------------------------
    async def deliver_due(self) -> int:
        """Claims a batch of due messages, sends them, records the outcomes; returns how many."""
        claimed = await self._claim({prefix: self.batch for prefix in self._lanes()})
        if not claimed:
            return 0
        by_address: dict[str, list[Outgoing]] = {}
        for message in claimed:
            by_address.setdefault(message.address, []).append(message)
        results = await asyncio.gather(*(self._send_in_order(queue) for queue in by_address.values()))
        self._claimed.clear()
        await self._record([outcome for outcomes in results for outcome in outcomes])
        return len(claimed)

    async def _send_in_order(self, queue: list[Outgoing]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for index, message in enumerate(queue):
            outcome = await self._send_one(message)
            outcomes.append(outcome)
            if outcome.status in (OutboxStatus.PENDING, OutboxStatus.BLOCKED):
                outcomes += [Outcome(m.id, m.identity_id, outcome.status, m.attempts, retry_in=outcome.retry_in or 0)
                             for m in queue[index + 1:]]
                break
        return outcomes

    # -- claiming, sending, recording ---------------------------------------------------------
    async def _claim(self, wanted: dict[str, int], held: Collection[int] = ()) -> list[Outgoing]:
        """Claims due rows for each lane; rows in ``held`` (still ours: their lease ran out while they
        waited) only get a new lease and are not returned again."""
        if not wanted:
            return []
        now = self.clock()
        due = sa.or_(
            sa.and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
            sa.and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until < now),
        )
        rows, fresh = [], []
        async with self.db.transaction() as session:
            for prefix, limit in wanted.items():
                query = (sa.select(OutboxMessage.id, OutboxMessage.identity_id, OutboxMessage.channel,
                                   OutboxMessage.address, OutboxMessage.payload, OutboxMessage.attempts,
                                   OutboxMessage.priority, ChannelIdentity.last_inbound_at)
                         .join(ChannelIdentity, ChannelIdentity.id == OutboxMessage.identity_id)
                         .where(due, OutboxMessage.address.startswith(prefix, autoescape=True))
                         .order_by(OutboxMessage.priority, OutboxMessage.id).limit(limit))
                if self.db.dialect == "postgresql":
                    query = query.with_for_update(of=OutboxMessage, skip_locked=True)
                found = (await session.execute(query)).all()
                rows += found
                found = [r for r in found if r.id not in held]
                self._claimed[prefix] = self._claimed.get(prefix, 0) + len(found)
                fresh += found
            if rows:
                await session.execute(sa.update(OutboxMessage)
                                      .where(OutboxMessage.id.in_([r.id for r in rows]))
                                      .values(status=OutboxStatus.SENDING, lease_until=now + self.lease))
        return [Outgoing(r.id, r.channel, r.address, decode_reply(r.payload), r.attempts, r.last_inbound_at,
                         identity_id=r.identity_id, priority=r.priority) for r in fresh]

    async def _resolve(self, message: Outgoing) -> Outgoing:
        """Fills in the platform ids of the rows the reply points at (``edit_of``, ``reply_to``)."""
        pointed = {"edit_of": message.reply.edit_of, "reply_to": message.reply.reply_to}
        wanted = {key: row_id for key, row_id in pointed.items() if row_id}
        if not wanted:
            return message
        missing = [row_id for row_id in wanted.values() if row_id not in self._sent_ids]
        if missing:
            async with self.db.reader() as session:
                found = dict((await session.execute(sa.select(OutboxMessage.id, OutboxMessage.external_id)
                                                    .where(OutboxMessage.id.in_(missing)))).all())
            self._sent_ids.update({k: v for k, v in found.items() if v is not None})
        return replace(message, refs={key: self._sent_ids.get(row_id) for key, row_id in wanted.items()})

    async def _send_one(self, message: Outgoing) -> Outcome:
        sender = self.senders[message.channel]
        await self._pace(message.address, sender.per_chat_interval)
        identity_id, attempts = message.identity_id, message.attempts
        try:
            external_id = await sender.send(await self._resolve(message))
        except RetryLater as error:
            return Outcome(message.id, identity_id, OutboxStatus.PENDING, attempts, error=str(error),
                           retry_in=error.seconds)
        except Unreachable as error:
            return Outcome(message.id, identity_id, OutboxStatus.BLOCKED, attempts, error=str(error))
        except NeedsTemplate as error:
            log.warning("message %s to %s is held: %s", message.id, message.address, error)
            return Outcome(message.id, identity_id, OutboxStatus.NEEDS_TEMPLATE, attempts, error=str(error))
        except PermanentFailure as error:
            log.warning("message %s to %s failed for good: %s", message.id, message.address, error)
            return Outcome(message.id, identity_id, OutboxStatus.FAILED, attempts, error=str(error))
        except Exception as error:  # transient: network, 5xx, anything unexpected
            if attempts + 1 >= self.max_attempts:
                log.error("message %s to %s failed after %s attempts: %r", message.id, message.address,
                          attempts + 1, error)
                return Outcome(message.id, identity_id, OutboxStatus.FAILED, attempts, error=repr(error))
            log.info("message %s to %s will be retried: %r", message.id, message.address, error)
            return Outcome(message.id, identity_id, OutboxStatus.PENDING, attempts, error=repr(error),
                           retry_in=min(2.0 ** (attempts + 1), 300.0))
        finally:
            self._last_sent_at[message.address] = time.monotonic()
        if len(self._sent_ids) > 10_000:
            self._sent_ids.clear()
        self._sent_ids[message.id] = external_id
        return Outcome(message.id, identity_id, OutboxStatus.SENT, attempts, external_id=external_id)

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
                     "attempts": o.attempts + 1, "lease_until": None} for o in sent])
            for outcome in outcomes:
                if outcome.status == OutboxStatus.SENT:
                    continue
                values: dict[str, object] = {"status": outcome.status, "lease_until": None}
                if outcome.error is not None:
                    values.update(last_error=outcome.error, attempts=OutboxMessage.attempts + 1)
                if outcome.status == OutboxStatus.PENDING:
                    values["next_attempt_at"] = now + timedelta(seconds=outcome.retry_in or 0)
                await session.execute(sa.update(OutboxMessage)  # not if cancelled meanwhile (a stopped broadcast)
                                      .where(OutboxMessage.id == outcome.row_id,
                                             OutboxMessage.status == OutboxStatus.SENDING)
                                      .values(**values))
            blocked = {o.identity_id for o in outcomes if o.status == OutboxStatus.BLOCKED and o.error is not None}
            if blocked:
                await do_mark_unreachable(session, blocked, now)
                log.info("identities %s blocked the bot; their queued messages are dropped", sorted(blocked))
