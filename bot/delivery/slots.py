"""A delivery lane's send slots, handed out by the database to every instance that sends on it.

One row per lane (``delivery_slots``: a Telegram bot, WhatsApp): ``next_at`` is the lane's next
free moment on the database's clock and ``seq`` the number of slots handed out so far. An
instance reserves k slots with one atomic statement that moves it on by k spacings
(``INSERT … ON CONFLICT (lane) DO UPDATE SET next_at = GREATEST(next_at, now) + k·spacing,
seq = seq + k RETURNING …``), so no two instances ever hold the same moment and the lane's
limit holds across all of them, whichever sends. A message leaves only at its slot: a slot
missed by more than ``LATE`` (a busy event loop) is given up, never used late, so sends never
bunch.

The spacing is a little more than window / limit (``SLACK``): limit + 1 slots span more than the
window, which absorbs the delay between a slot and the moment its request reaches the platform
up to SLACK · window. A request answered later than that (a stalled process, a slow network)
may have arrived that late, so the slot ``limit`` places after it is pushed to a window after
its answer (``done``), and later slots with it: the platform never sees limit + 1 in a window,
as a limiter that counts a request until its answer would guarantee in one process.

Slot times are on the database's clock; the statement also reads that clock, and the offset to
this process's monotonic clock is taken from the quickest round trip seen (its middle, as NTP
does; renewed every ``OFFSET_TTL``): instances on machines whose clocks disagree keep the
spacing, and a reply that waited on a busy event loop does not shift this instance's slots.

A 429 pauses the lane for every instance: its ``retry_after`` moves ``next_at`` forward in the
same row. Slots already reserved elsewhere (at most ``AHEAD`` per instance, a few tenths of a
second) may still go; each 429 they get pushes the pause again.
"""

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass

import sqlalchemy as sa

from storage.db import Database
from storage.models import DeliverySlot

SLACK = 0.1
"""limit + 1 slots span the window and 10% more (100 ms of a second)."""
LATE = 0.01
"""A slot missed by more than this (seconds) is given up."""
AHEAD = 5
"""At most this many slots reserved at once (0.18 s at 30 a second)."""
OFFSET_TTL = 60.0
"""Seconds a clock offset is trusted before a slower round trip may replace it."""
GOOD_RTT = 0.003
"""While no round trip was this quick (seconds), the clock is read once more on a reservation…"""
EXTRA_READ_EVERY = 1.0
"""… at most this often (seconds; on a loaded machine few are that quick, and each reading is a round trip)."""
log = logging.getLogger(__name__)
TABLE = DeliverySlot.__table__


@dataclass(frozen=True)
class Slot:
    at: float
    """On this process's monotonic clock."""
    seq: int
    """Its number among the lane's slots."""


class SharedSlots:
    def __init__(self, db: Database, lane: str, *, limit: int, window: float = 1.0) -> None:
        self.db, self.lane, self.limit, self.window = db, lane, limit, window
        self.spacing = window * (1 + SLACK) / limit
        self._slots: deque[Slot] = deque()
        self._writes: set[asyncio.Task] = set()
        self._pausing = 0
        self._offset = self._offset_rtt = self._offset_at = self._extra_read_at = 0.0
        """The database's clock minus this process's monotonic clock, the round trip it was read in, and when."""
        self.reserved = self.missed = self.pushed = 0
        """Slots reserved; given up because this process came too late for them; pushes after a late answer."""
        self._reserving, self._reading_clock = self._reservation(), sa.select(self._now())
        """Built once, the count a parameter: building the statement cost more CPU than running it."""

    async def wait(self, wanted: int = 1) -> Slot:
        """Returns at this process's next slot on the lane; ``wanted``: how many messages wait here
        (up to ``AHEAD`` slots are reserved at once)."""
        while True:
            if self._writes:
                await asyncio.gather(*self._writes, return_exceptions=True)
            if not self._slots:
                await self._reserve(max(1, min(wanted, AHEAD)))
            slot = self._slots.popleft()
            delay = slot.at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if time.monotonic() - slot.at <= LATE and not self._pausing:
                return slot
            self.missed += 1

    def done(self, slot: Slot, answered: float) -> None:
        """The request sent at ``slot`` was answered at ``answered`` (monotonic): if later than the
        slack allows, the slot ``limit`` after it (and all later) moves to a window after the answer."""
        if answered - slot.at <= SLACK * self.window:
            return
        bound = answered + self._offset + self.window
        self.pushed += 1
        self._write(sa.update(TABLE).where(TABLE.c.lane == self.lane).values(
            next_at=self._greatest(TABLE.c.next_at, bound - (slot.seq + self.limit - TABLE.c.seq) * self.spacing)))

    def pause(self, seconds: float) -> None:
        """The platform asked the lane to wait (a 429): for every instance, from its next reservation."""
        self._slots.clear()
        now = self._now()
        self._pausing += 1
        task = self._write(self._upsert(now + seconds, 0, self._greatest(TABLE.c.next_at, now + seconds)))
        task.add_done_callback(self._paused)

    def _paused(self, _task: asyncio.Task) -> None:
        self._pausing -= 1

    def _write(self, statement: sa.Executable) -> asyncio.Task:
        task = asyncio.ensure_future(self._execute(statement))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)
        return task

    async def _execute(self, statement: sa.Executable) -> None:
        try:
            async with self.db.autocommit() as session:
                await session.execute(statement)
        except Exception:
            log.exception("could not move the slots of lane %s", self.lane)

    def _reservation(self) -> sa.Insert:
        """Moves the lane on by ``count`` slots (``span`` = count · spacing); returns its new ``next_at``,
        its ``seq`` and the database's clock."""
        now = self._now()
        span, count = sa.bindparam("span", type_=sa.Double()), sa.bindparam("count", type_=sa.Integer())
        return self._upsert(now + span, count, self._greatest(TABLE.c.next_at, now) + span,
                            also={"seq": TABLE.c.seq + count}).returning(TABLE.c.next_at, TABLE.c.seq, now)

    async def _reserve(self, count: int) -> None:
        span = count * self.spacing
        async with self.db.autocommit() as session:
            started = time.monotonic()
            better_wanted = self._offset_rtt > GOOD_RTT and started - self._extra_read_at > EXTRA_READ_EVERY
            if not self._offset_at or better_wanted:  # a better reading first (not the connecting)
                self._extra_read_at = started
                self._clock_read(await session.scalar(self._reading_clock), started, time.monotonic())
            started = time.monotonic()
            next_at, seq, db_now = (await session.execute(self._reserving, {"span": span, "count": count})).one()
            self._clock_read(db_now, started, time.monotonic())
        first, first_seq = next_at - span - self._offset, seq - count
        self._slots.extend(Slot(first + index * self.spacing, first_seq + index) for index in range(count))
        self.reserved += count

    def _clock_read(self, now: float, started: float, ended: float) -> None:
        rtt = ended - started
        if not self._offset_at or rtt <= self._offset_rtt or ended - self._offset_at > OFFSET_TTL:
            self._offset, self._offset_rtt, self._offset_at = now - (started + ended) / 2, rtt, ended

    def _upsert(self, next_at: sa.ColumnElement[float], seq: int | sa.ColumnElement[int],
                moved: sa.ColumnElement[float],
                also: dict[str, sa.ColumnElement] | None = None) -> sa.Insert:
        """The lane's row made (``next_at``, ``seq``) or, if there, its ``next_at`` ``moved``."""
        if self.db.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(TABLE).values(lane=self.lane, next_at=next_at, seq=seq).on_conflict_do_update(
            index_elements=[TABLE.c.lane], set_={"next_at": moved, **(also or {})})

    def _now(self) -> sa.ColumnElement[float]:
        """The database's clock in seconds since the epoch (SQLite's to the millisecond)."""
        if self.db.dialect == "postgresql":
            return sa.cast(sa.extract("epoch", sa.func.clock_timestamp()), sa.Double)
        return (sa.func.julianday("now") - 2440587.5) * 86400.0

    def _greatest(self, a: sa.ColumnElement[float], b: sa.ColumnElement[float] | float) -> sa.ColumnElement[float]:
        return sa.func.greatest(a, b) if self.db.dialect == "postgresql" else sa.func.max(a, b)
