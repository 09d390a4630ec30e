"""Rate limits as the platforms count them: at most N requests in ANY window of W seconds.

A token bucket "30 per second" lets about 59 through in the first second after idle;
a sliding window never does. A request holds its slot from the moment it leaves until
its answer arrives, and counts in the window from then on: the server sees a request
somewhere between the two, so even with network delay no window of W seconds at the
server holds more than N. ``pause`` holds every sender back after a 429's ``retry_after``.

Requests are also spread evenly within the window: one every W/N seconds at most (a send every
1/30 s for 30 a second, rather than 30 at once and then a pause), so a process killed just
after a burst has far fewer unrecorded sends behind it.

Waiting requests leave by priority (lower first), then in arrival order: a reply in a
conversation overtakes the notices of a broadcast queued before it.

Several instances sending on one lane share its slots through the database
(``bot.delivery.slots``, ``share``): a request then also waits for one of this process's
slots there, and the even spacing is the slots' (the sliding window still holds here).

A request may also name a future that settles when its outcome is recorded (``settled``):
until then it keeps its place among the N, so no more than N requests are ever sent and
not yet recorded. That is what a process killed mid-send can send twice after a restart.
"""

import asyncio
import heapq
import itertools
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from bot.delivery.slots import SharedSlots, Slot


class Cancelled(Exception):
    """The request was called off when its turn came (``slot``'s ``go``)."""


class PriorityLock:
    """A lock handed to the waiter with the lowest priority number (first come among equals)."""

    def __init__(self) -> None:
        self._locked = False
        self._waiters: list[tuple[int, int, asyncio.Future]] = []
        self._order = itertools.count()

    async def acquire(self, priority: int = 0) -> None:
        if not self._locked and not self._waiters:
            self._locked = True
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._order), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():  # handed over just as we were cancelled
                self.release()
            raise

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def release(self) -> None:
        while self._waiters:
            _priority, _order, future = heapq.heappop(self._waiters)
            if not future.done():
                future.set_result(None)  # the lock passes on, still held
                return
        self._locked = False


class SlidingWindowLimiter:
    def __init__(self, limit: int, window: float = 1.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1:
            raise ValueError("a limit needs at least one request per window")
        self.limit, self.window, self.clock = limit, window, clock
        self._done: deque[float] = deque()
        self._in_flight = 0
        self._unsettled = 0
        self._paused_until = 0.0
        self.spacing = window / limit
        self._last_start = float("-inf")
        self._turn = PriorityLock()
        self._freed = asyncio.Event()
        self.slots: SharedSlots | None = None

    def share(self, slots: SharedSlots) -> None:
        """From now on requests also wait for their slot among all the instances (``slots``)."""
        self.slots = slots

    def delay(self) -> float | None:
        """Seconds to wait before the next request may leave: 0 now, None until one in flight ends."""
        now = self.clock()
        while self._done and self._done[0] <= now - self.window:
            self._done.popleft()
        spaced = self._last_start + self.spacing if self.slots is None else now  # shared slots are spaced
        wait = max(0.0, self._paused_until - now, spaced - now)
        if self._in_flight + self._unsettled >= self.limit:
            return None
        if len(self._done) + self._in_flight >= self.limit:
            if len(self._done) == 0 or self._in_flight >= self.limit:
                return None
            wait = max(wait, self._done[0] + self.window - now)
        return wait

    @asynccontextmanager
    async def slot(self, priority: int = 0, settled: asyncio.Future | None = None,
                   go: Callable[[], bool] | None = None) -> AsyncIterator[None]:
        """Waits for a free slot, holds it while the request is under way (and, with ``settled``,
        until that future is done). With ``go``, asked once the slot is free: false, and the
        request does not go (``Cancelled`` is raised, the slot stays free)."""
        await self._turn.acquire(priority)
        shared: Slot | None = None
        try:
            while True:
                while (wait := self.delay()) != 0:
                    self._freed.clear()
                    if wait is None:
                        await self._freed.wait()
                    else:
                        await asyncio.sleep(wait)
                if self.slots is None:
                    break
                shared = await self.slots.wait(self._turn.waiting + 1)
                if self.delay() == 0:  # not paused meanwhile
                    break
            if go is not None and not go():
                raise Cancelled
            self._in_flight += 1
            self._last_start = self.clock()
        finally:
            self._turn.release()
        try:
            yield
        finally:
            self._in_flight -= 1
            self._done.append(self.clock())
            if shared is not None and self.slots is not None:
                self.slots.done(shared, time.monotonic())
            if settled is not None and not settled.done():
                self._unsettled += 1
                settled.add_done_callback(self._settle)
            self._freed.set()

    def _settle(self, _future: asyncio.Future) -> None:
        self._unsettled -= 1
        self._freed.set()

    def pause(self, seconds: float) -> None:
        """Holds every request back (a 429's ``retry_after``); with shared slots, in every instance."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)
        if self.slots is not None:
            self.slots.pause(seconds)
