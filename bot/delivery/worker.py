"""The delivery worker: drains the outbox through the channels' senders.

- Rows are claimed in order of priority, then age, by this instance (``bot.instance``): a
  row under way names its instance, and is taken over by another once that instance's
  heartbeat lapses (a few seconds), then sent again. Outcomes are recorded every few tenths
  of a second, and a sender's limiter counts a message against its per-bot limit until its
  outcome is recorded (``Outgoing.settled``), so a crash can send at most that many twice;
  nothing is lost. An instance that knows its heartbeat may have lapsed sends nothing it
  claimed and gives it back.
- Per-address order holds across crashes and instances: a row is claimed only while every
  older row to its address is settled or under way here (then it queues behind them). A
  row older and still pending (a retry's back-off) or under way elsewhere (even in a dead
  instance, until it is taken over and sent) holds the newer ones back, so an edit never
  overwrites a newer state and replies arrive in the order they were written.
- On PostgreSQL most claim rounds take only rows that wait (pending and due), in one statement that
  marks them under way (``claiming_waiting``): no transaction around it. Rows under way in a dead instance
  are taken over by the full claim (a transaction: its holders checked again on a new snapshot),
  every ``TAKEOVER_EVERY`` s and whenever the instance's own heartbeat is late.
- ``run`` is a pipeline: each lane (one per Telegram bot, one per other channel) keeps
  about two seconds of messages claimed ahead, so every bot sends at its own limit and
  a broadcast on one bot does not hold up another; the senders' limiters let replies
  (priority 0) overtake queued broadcast messages.
- Several instances on one database (``shared``) all send on every lane: each sender's
  limiter takes its send slots from the database (``bot.delivery.slots``), so a bot's limit
  holds across the instances together while a broadcast is split over them. ``deliver_due`` is one round of the
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
import functools
import logging
import time
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.delivery.sender import ClaimLost, NeedsTemplate, Outgoing, PermanentFailure, RetryLater, Sender, Unreachable
from bot.delivery.slots import SharedSlots
from bot.instance import Instance, alive
from handlers.outbox_payload import decode_reply
from handlers.services.outbox import do_mark_unreachable
from handlers.woken import woken_within
from storage.db import Database
from storage.enums import Channel, OutboxStatus
from storage.models import ChannelIdentity, OutboxMessage
from storage.models import Instance as InstanceRow
from storage.plan_shapes import no_row, one_of, written_out
from storage.types import UTCDateTime, utcnow

log = logging.getLogger(__name__)
CLAIM_EVERY = 0.01
"""Seconds between two claim rounds of the pipeline at least (``DeliveryWorker._round_due``)."""
TAKEOVER_EVERY = 1.0
"""Seconds between two full claims (rows under way in a dead instance taken over too): a takeover comes
within the heartbeat's time to live and this. The rounds between claim only rows that wait, in one
statement (the full claim is a transaction of four: BEGIN, the claim, the marking, COMMIT)."""


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
                 batch: int = 50, lease: timedelta = timedelta(seconds=5), max_attempts: int = 8,
                 idle_poll: float = 1.0, record_every: float = 0.2, instance: Instance | None = None,
                 shared: bool = False) -> None:
        """``instance`` is the process's (its heartbeat kept by the service); without one the worker
        has its own, with ``lease`` as its time to live, and keeps it alive while it runs.
        ``shared``: several instances deliver from one database, every one on every lane, the
        lanes' send slots handed out by the database (``bot.delivery.slots``), so each per-bot
        limit holds across them all."""
        self.db, self.senders, self.clock = db, senders, clock
        self.instance = instance or Instance(db, ttl=lease, clock=clock)
        self._own_instance = instance is None
        self.lease = self.instance.ttl
        self.batch, self.max_attempts, self.idle_poll = batch, max_attempts, idle_poll
        self.shared = shared
        self.record_every = record_every
        self._wake = asyncio.Event()
        self._next_round = self._next_takeover = 0.0
        self._stopping = False
        self._last_sent_at: dict[str, float] = {}
        self._sent_ids: dict[int, str | None] = {}
        self._queues: dict[str, deque[Outgoing]] = {}
        self._claimed: dict[str, int] = {}
        self._more_behind = False
        """The last claim took a row with a newer one to its address pending (claimable next round)."""
        self._filled: set[str] = set()
        """Lanes whose last claim got all the rows they asked for: more may be due once they drain."""
        self._lane_sizes: dict[str, int] = {}
        self._outcomes: list[tuple[Outcome, asyncio.Future | None]] = []
        self._stalled: dict[str, int] = {}
        """Addresses whose message waits (a retry, a block), with the batch of outcomes that records it."""
        self._batch, self._recorded = 1, 0
        """The batch of outcomes being collected; the last batch recorded (with all before it)."""
        self._tasks: set[asyncio.Task] = set()
        self._recording_ends = asyncio.Event()
        self.also_wake: list[Callable[[], None]] = []
        """Called to tell other instances (bot/wakeups.py): on ``wake``, and after ``wake_for_replies``
        if what was written is left waiting."""
        self._written_here = False
        """Replies were written here since the last claim round (``wake_for_replies``)…"""
        self._written_to: set[str] | None = set()
        """… to these addresses (None: not known)."""

    def wake(self) -> None:
        """The outbox has something new (written by this process): the other instances are told at once
        (a broadcast, a staff answer: all help)."""
        self._wake.set()
        for wake in self.also_wake:
            wake()

    def wake_for_replies(self, addresses: Collection[str] | None = None) -> None:
        """A turn here wrote replies (to ``addresses``, if known): this instance's next round claims them,
        and the other instances are told only if that round leaves one waiting (``_tell_others_if_left``),
        e.g. behind an older message to the chat under way in another instance. Told at once, they ran a
        claim round for every turn that mostly found nothing."""
        self._written_here = True
        if addresses is None or self._written_to is None:
            self._written_to = None
        else:
            self._written_to.update(addresses)
        self._wake.set()

    def wake_here(self) -> None:
        """The outbox has something new, written by another instance."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    # -- the pipeline ------------------------------------------------------------------------
    async def run(self) -> None:
        log.info("delivery worker started for %s", ", ".join(sorted(self.senders)) or "no channel")
        self._recording_ends.clear()
        recorder = asyncio.create_task(self._record_continuously(), name="delivery-recorder")
        heartbeat = asyncio.create_task(self.instance.keep_alive(), name="heartbeat") if self._own_instance else None
        try:
            while not self._stopping:
                seen = self._recorded  # the claim sees the outcomes recorded so far, maybe more
                self._stalled = {address: batch for address, batch in self._stalled.items() if batch > seen}
                self._wake.clear()  # before the claim: a row written while it runs wakes the next round
                await self._round_due()
                wanted = self._wanted()
                written, self._written_here = self._written_here, False
                written_to, self._written_to = self._written_to, set()
                try:
                    claimed = await self._claim(wanted, full=self._takeover_due())
                except Exception:
                    log.exception("claiming from the outbox failed; retrying shortly")
                    claimed = []
                for message in claimed:
                    self._dispatch(message, seen)
                self._filled = (self._filled - wanted.keys()) | _lanes_that_got_all(wanted, claimed, self._lane_of)
                if written and self._more_behind:  # judged after the next round, at once (the chat's next row)
                    self.wake_for_replies(written_to)
                elif written:
                    await self._tell_others_if_left(filled=bool(self._filled & wanted.keys()),
                                                    maybe_held=self._maybe_held_elsewhere(written_to, claimed))
                if not self._stopping and not self._filled & wanted.keys() and not self._more_behind:
                    await woken_within(self._wake, self.idle_poll)  # a new row, or a filled lane half empty
        finally:
            # Told, not cancelled: a cancel landing inside its SQLite transaction could leave the
            # connection holding the write lock (the scheduler's lease release at stop then waited
            # 30 s and failed with «database is locked», once in a loaded run).
            self._recording_ends.set()
            await asyncio.gather(recorder, return_exceptions=True)
            if heartbeat is not None:
                heartbeat.cancel()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*([heartbeat] if heartbeat else []), *self._tasks, return_exceptions=True)
            await self._flush()
            await self._give_back()
            if self._own_instance:
                await self.instance.retire()

    def _maybe_held_elsewhere(self, written_to: set[str] | None, claimed: list[Outgoing]) -> bool:
        """Whether a reply written here may wait behind an older message to its chat under way in another
        instance: not if this round claimed a message to each of their chats, or one is under way here
        (a message is claimed only while no older one to its chat is under way elsewhere, and while one
        is under way here no other instance claims a newer one)."""
        if written_to is None:
            return True
        return not written_to <= self._queues.keys() | {message.address for message in claimed}

    async def _tell_others_if_left(self, *, filled: bool, maybe_held: bool = True) -> None:
        """After a round that followed replies written here: the other instances are told if a lane took
        its fill (they help), or if a due row waits behind an older one to its chat under way in another
        instance (that one takes it: its own rows under way do not hold it back; looked for only if
        ``maybe_held``). Not for rows that merely wait for this instance's next round or for a retry."""
        if not self.also_wake:
            return
        waiting = filled
        if not waiting and maybe_held:
            try:
                async with self.db.autocommit() as session:
                    waiting = (await session.execute(_held_back_elsewhere(), {"me": self.instance.id,
                                                                               "now": self.clock()})
                               ).first() is not None
            except Exception:
                log.exception("could not tell whether replies written here wait; waking the other instances")
                waiting = True
        if waiting:
            for wake in self.also_wake:
                wake()

    async def _give_back(self) -> None:
        """What this instance claimed and did not send goes back to the queue (a clean stop)."""
        async with self.db.transaction() as session:
            await session.execute(sa.update(OutboxMessage)
                                  .where(OutboxMessage.status == OutboxStatus.SENDING,
                                         OutboxMessage.claimed_by == self.instance.id)
                                  .values(status=OutboxStatus.PENDING, claimed_by=None, next_attempt_at=self.clock()))

    def _lanes(self) -> dict[str, int]:
        lanes: dict[str, int] = {}
        for channel, sender in self.senders.items():
            own = getattr(sender, "lanes", None)
            lanes.update(own() if own is not None else {f"{channel.value}:": self.batch})
            if self.shared:
                self._share_slots(sender)
        return lanes

    async def _round_due(self) -> None:
        """Claim rounds at most every ``CLAIM_EVERY`` s: each new row wakes the worker, and a round per
        row would cost more than its sending; a row that comes after a quiet spell is claimed at once."""
        wait = self._next_round - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._next_round = time.monotonic() + CLAIM_EVERY

    def _takeover_due(self) -> bool:
        """A full claim (rows under way in a dead instance taken over too) every ``TAKEOVER_EVERY`` s."""
        now = time.monotonic()
        if now < self._next_takeover:
            return False
        self._next_takeover = now + TAKEOVER_EVERY
        return True

    def _share_slots(self, sender: Sender) -> None:
        """The sender's limiters (one per lane) take their send slots from the database."""
        limiters = getattr(sender, "limiters_by_lane", None)
        for lane, limiter in (limiters() if limiters is not None else {}).items():
            if limiter.slots is None:
                limiter.share(SharedSlots(self.db, lane, limit=limiter.limit, window=limiter.window))

    def _wanted(self) -> dict[str, int]:
        """How many more rows each lane should have claimed (it is topped up when half empty)."""
        wanted = {}
        self._lane_sizes = self._lanes()
        for prefix, ahead in self._lane_sizes.items():
            have = self._claimed.get(prefix, 0)
            if have <= ahead // 2:
                wanted[prefix] = ahead - have
        return wanted

    def _dispatch(self, message: Outgoing, seen: int) -> None:
        """Queues a claimed message behind the others to its address, unless an older one waits
        in an outcome the claim could not see (recorded after batch ``seen``): then it waits too."""
        if self._stalled.get(message.address, 0) > seen:
            self._done(message, Outcome(message.id, message.identity_id, OutboxStatus.PENDING, message.attempts,
                                        retry_in=0))
            return
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
                    self._stalled[address] = self._batch
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
        if prefix in self._filled and self._claimed[prefix] <= self._lane_sizes.get(prefix, self.batch) // 2:
            self._filled.discard(prefix)
            self._wake.set()  # time to top the lane up (it got all it asked for: more may be due)

    def _lane_of(self, address: str) -> str:
        for prefix in self._lane_sizes:
            if address.startswith(prefix):
                return prefix
        return address.split(":", 1)[0] + ":"

    async def _record_continuously(self) -> None:
        while not await woken_within(self._recording_ends, self.record_every):
            try:
                await self._flush()
            except Exception:
                log.exception("recording delivery outcomes failed; retrying")

    async def _flush(self) -> None:
        done, self._outcomes = self._outcomes, []
        if not done:
            return
        batch, self._batch = self._batch, self._batch + 1
        try:
            await self._record([outcome for outcome, _ in done])
        except BaseException:
            self._outcomes = done + self._outcomes  # keep them for the next try
            raise
        self._recorded = max(self._recorded, batch)
        for _outcome, settled in done:
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
    async def _claim(self, wanted: dict[str, int], *, full: bool = True) -> list[Outgoing]:
        """Claims due rows for each lane, each only if no older row to its address waits or is
        under way elsewhere (``_in_order``). ``full``: rows under way in a dead instance too
        (otherwise only rows that wait, unless this instance's heartbeat is late). SQLite always takes
        the full claim (its statements are local calls; its RETURNING drops the table names that the
        one-statement claim's correlated subqueries need)."""
        self._more_behind = False
        if not wanted:
            return []
        if full or not self.instance.fresh() or self.db.dialect != "postgresql":
            rows = await self._claim_with_takeover(wanted)
        else:
            rows = await self._claim_waiting(wanted)
        self._more_behind = any(row.newer_pending for row in rows)
        return [Outgoing(r.id, r.channel, r.address, decode_reply(r.payload), r.attempts, r.last_inbound_at,
                         identity_id=r.identity_id, priority=r.priority) for r in sorted(rows, key=lambda r: r.id)]

    async def _claim_waiting(self, wanted: dict[str, int]) -> list[sa.Row]:
        """Rows that wait, claimed and marked under way in one statement per lane (atomic alone)."""
        rows: list[sa.Row] = []
        me, now = self.instance.id, self.clock()
        async with self.db.autocommit() as session:
            for prefix, limit in wanted.items():
                found = (await session.execute(claiming_waiting(prefix), claim_parameters(limit, me, now))).all()
                self._claimed[prefix] = self._claimed.get(prefix, 0) + len(found)
                rows += found
        return rows

    async def _claim_with_takeover(self, wanted: dict[str, int]) -> list[sa.Row]:
        """Rows that wait and rows under way in a dead instance, in a transaction: those are checked
        again on a new snapshot (``_not_held_by_the_living``) before they are marked under way here."""
        now = self.clock()
        me = self.instance.id
        rows = []
        async with self.db.transaction() as session:
            # The heartbeat task keeps the row alive; a claim beats too only if that task is late.
            renewed = None if self.instance.fresh() else await self.instance.beat(session)
            for prefix, limit in wanted.items():
                query = claimable(prefix, locking=self.db.dialect == "postgresql")
                due = (await session.execute(query, claim_parameters(limit, me, now))).all()
                found = await _not_held_by_the_living(session, due, me, now)
                self._claimed[prefix] = self._claimed.get(prefix, 0) + len(found)
                rows += found
            if rows:
                await session.execute(_marking_sending(self.db.dialect), {"ids": [r.id for r in rows], "me": me})
        if renewed is not None:
            self.instance.renewed(renewed)
        return rows

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
        if not self.instance.holds():  # another instance may be sending it: give it back unsent
            return self._given_back(message)
        try:
            external_id = await sender.send(replace(await self._resolve(message), still_ours=self.instance.holds))
        except ClaimLost:  # its heartbeat lapsed while it waited for the limiter
            return self._given_back(message)
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

    def _given_back(self, message: Outgoing) -> Outcome:
        log.warning("instance %s lost its heartbeat: message %s goes back to the queue", self.instance.id, message.id)
        return Outcome(message.id, message.identity_id, OutboxStatus.PENDING, message.attempts, retry_in=0)

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
        async with self.db.autocommit() as session:
            if sent:  # one executemany for the common case
                await session.execute(_RECORDING_SENT, [
                    {"row_id": o.row_id, "sent_at": now, "external_id": o.external_id, "attempts": o.attempts + 1,
                     "me": self.instance.id} for o in sent])
            for outcome in outcomes:
                if outcome.status == OutboxStatus.SENT:
                    continue
                values: dict[str, object] = {"status": outcome.status, "lease_until": None, "claimed_by": None}
                if outcome.error is not None:
                    values.update(last_error=outcome.error, attempts=OutboxMessage.attempts + 1)
                if outcome.status == OutboxStatus.PENDING:
                    values["next_attempt_at"] = now + timedelta(seconds=outcome.retry_in or 0)
                await session.execute(sa.update(OutboxMessage)  # not if cancelled meanwhile (a stopped broadcast)
                                      .where(OutboxMessage.id == outcome.row_id,  # nor if taken over
                                             OutboxMessage.status == OutboxStatus.SENDING,
                                             OutboxMessage.claimed_by == self.instance.id)
                                      .values(**values))
            blocked = {o.identity_id for o in outcomes if o.status == OutboxStatus.BLOCKED and o.error is not None}
            if blocked:
                await do_mark_unreachable(session, blocked, now)
                log.info("identities %s blocked the bot; their queued messages are dropped", sorted(blocked))


def _lanes_that_got_all(wanted: dict[str, int], claimed: list[Outgoing], lane_of: Callable[[str], str]) -> set[str]:
    """The lanes that got as many rows as they asked for: more may be due (a broadcast)."""
    got: dict[str, int] = {}
    for message in claimed:
        lane = lane_of(message.address)
        got[lane] = got.get(lane, 0) + 1
    return {lane for lane, count in wanted.items() if got.get(lane, 0) >= count}


_ME = sa.bindparam("me", type_=sa.String())
_NOW = sa.bindparam("now", type_=UTCDateTime())


def claim_parameters(limit: int, me: str, now: datetime) -> dict:
    return {"limit": limit, "me": me, "now": now}


@functools.cache
def claimable(prefix: str, *, locking: bool) -> sa.Select:
    """Up to ``limit`` rows of the lane ``prefix`` due ``now`` (waiting, or under way in an instance that
    is gone), each only if no older row to its address waits or is under way elsewhere than ``me``
    (``_in_order``); ``locking``: those another claim holds are skipped (PostgreSQL). Built once per
    lane, its values given as parameters (``claim_parameters``): building it cost more CPU than the round."""
    taken_over = sa.or_(
        sa.and_(OutboxMessage.claimed_by.is_(None), OutboxMessage.lease_until < _NOW),
        sa.and_(OutboxMessage.claimed_by.is_not(None), ~alive(OutboxMessage.claimed_by, _NOW)),
    )
    due = sa.or_(
        sa.and_(OutboxMessage.status == _PENDING, OutboxMessage.next_attempt_at <= _NOW),
        sa.and_(OutboxMessage.status == _SENDING, taken_over),
    )
    query = (sa.select(OutboxMessage.id, OutboxMessage.identity_id, OutboxMessage.channel,
                       OutboxMessage.address, OutboxMessage.payload, OutboxMessage.attempts,
                       OutboxMessage.priority, ChannelIdentity.last_inbound_at,
                       OutboxMessage.status, OutboxMessage.claimed_by, _newer_pending())
             .join(ChannelIdentity, ChannelIdentity.id == OutboxMessage.identity_id)
             .where(due, _in_order(_ME), OutboxMessage.address.startswith(prefix, autoescape=True))
             .order_by(OutboxMessage.priority, OutboxMessage.id).limit(sa.bindparam("limit", type_=sa.Integer())))
    return query.with_for_update(of=OutboxMessage, skip_locked=True) if locking else query


@functools.cache
def claiming_waiting(prefix: str) -> sa.Update:
    """Up to ``limit`` rows of the lane ``prefix`` that wait (pending, due ``now``), each only if no older
    row to its address waits or is under way elsewhere than ``me`` (``_in_order``), marked under way in
    ``me``; rows another claim holds are skipped (PostgreSQL). Returns what ``claimable`` selects.
    One statement, atomic alone: a row changed by a claim that committed meanwhile is checked again
    in its new state (no longer pending: skipped), so no takeover's second look is needed here."""
    table = OutboxMessage.__table__
    waiting = (sa.select(OutboxMessage.id)
               .where(OutboxMessage.status == _PENDING, OutboxMessage.next_attempt_at <= _NOW, _in_order(_ME),
                      OutboxMessage.address.startswith(prefix, autoescape=True))
               .order_by(OutboxMessage.priority, OutboxMessage.id).limit(sa.bindparam("limit", type_=sa.Integer()))
               .with_for_update(skip_locked=True))
    last_inbound = (sa.select(ChannelIdentity.last_inbound_at)
                    .where(ChannelIdentity.id == OutboxMessage.identity_id).scalar_subquery())
    return (sa.update(table).where(table.c.id.in_(waiting.scalar_subquery()))
            .values(status=OutboxStatus.SENDING, claimed_by=_ME, lease_until=None)
            .returning(table.c.id, table.c.identity_id, table.c.channel, table.c.address, table.c.payload,
                       table.c.attempts, table.c.priority, last_inbound.label("last_inbound_at"), _newer_pending()))


async def _not_held_by_the_living(session: AsyncSession, rows: list[sa.Row], me: str, now: datetime) -> list[sa.Row]:
    """The claimed rows without those under way in an instance alive after all. The claim judged
    a holder dead on the statement's snapshot, but a row whose claim committed after that snapshot
    is locked in its newest state, checked again only against the old snapshot (PostgreSQL's
    READ COMMITTED): an instance that made its heartbeat and claimed in one transaction meanwhile
    (its first claim round) looked dead, and its rows were sent twice. A new statement sees it."""
    holders = {row.claimed_by for row in rows
               if row.status == OutboxStatus.SENDING and row.claimed_by not in (None, me)}
    if not holders:
        return rows
    living = set((await session.scalars(sa.select(InstanceRow.id).where(
        InstanceRow.id.in_(holders), InstanceRow.alive_until > now))).all())
    return [row for row in rows if row.status != OutboxStatus.SENDING or row.claimed_by not in living]


_PENDING, _SENDING = written_out(OutboxStatus.PENDING), written_out(OutboxStatus.SENDING)
"""The claim's statuses written out: its generic plan then uses ``ix_outbox_waiting`` (the rows that wait)
to look for an address's older rows; with parameters it walked every row the outbox ever had."""
_OLDER_TO_THE_ADDRESS = aliased(OutboxMessage)
"""Made once (a new alias per claim round costs the ORM's adaptation of its columns each time)."""
_NEWER_TO_THE_ADDRESS = aliased(OutboxMessage)


def _newer_pending() -> sa.Label[bool]:
    """A newer row to the same address is pending: a round claims one row per address (the next waits
    for its elder to be under way here), so the next round should come at once."""
    newer = _NEWER_TO_THE_ADDRESS
    return sa.exists().where(newer.address == OutboxMessage.address, newer.id > OutboxMessage.id,
                             newer.status == _PENDING).label("newer_pending")


@functools.cache
def _marking_sending(dialect: str) -> sa.Update:
    """The claimed rows (``ids``) under way in ``me``: Core, one statement for any number of rows on
    PostgreSQL (``= ANY``; ``IN (…)`` is a new prepared statement for each count)."""
    table = OutboxMessage.__table__
    return (sa.update(table).where(one_of(table.c.id, "ids", sa.Integer(), dialect))
            .values(status=OutboxStatus.SENDING, claimed_by=_ME, lease_until=None))


_TABLE = OutboxMessage.__table__
_RECORDING_SENT = sa.update(_TABLE).where(_TABLE.c.id == sa.bindparam("row_id")).values(
    status=OutboxStatus.SENT, sent_at=sa.bindparam("sent_at"), external_id=sa.bindparam("external_id"),
    attempts=sa.bindparam("attempts"), lease_until=None, claimed_by=_ME)
"""Sent rows recorded (one executemany), in Core: the ORM's bulk update by primary key cost more."""


@functools.cache
def _held_back_elsewhere() -> sa.Select:
    """A row due at ``now`` whose address has an older row under way in another instance than ``me`` (at
    most one)."""
    older = _OLDER_TO_THE_ADDRESS
    return sa.select(OutboxMessage.id).where(
        OutboxMessage.status == _PENDING, OutboxMessage.next_attempt_at <= _NOW,
        ~no_row(sa.select(older.id).where(older.address == OutboxMessage.address, older.id < OutboxMessage.id,
                                          _under_way_elsewhere(older, _ME)))).limit(1)


def _in_order(me: sa.BindParameter[str]) -> sa.ColumnElement[bool]:
    """No older row to the same address is pending, or under way anywhere but here."""
    older = _OLDER_TO_THE_ADDRESS
    return no_row(sa.select(older.id).where(
        older.address == OutboxMessage.address, older.id < OutboxMessage.id,
        sa.or_(older.status == _PENDING, _under_way_elsewhere(older, me))))


def _under_way_elsewhere(row, me: sa.BindParameter[str]) -> sa.ColumnElement[bool]:
    """``row`` (an alias of the outbox) is being sent by another instance than ``me`` (or by a lease)."""
    return sa.and_(row.status == _SENDING, sa.or_(row.claimed_by.is_(None), row.claimed_by != me))
