"""Rate limits as the platforms count them: at most N requests in ANY window of W seconds.

A token bucket "30 per second" lets about 59 through in the first second after idle;
a sliding window never does. A request holds its slot from the moment it leaves until
its answer arrives, and counts in the window from then on: the server sees a request
somewhere between the two, so even with network delay no window of W seconds at the
server holds more than N. ``pause`` holds every sender back after a 429's ``retry_after``.
"""

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager


class SlidingWindowLimiter:
    def __init__(self, limit: int, window: float = 1.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1:
            raise ValueError("a limit needs at least one request per window")
        self.limit, self.window, self.clock = limit, window, clock
        self._done: deque[float] = deque()
        self._in_flight = 0
        self._paused_until = 0.0
        self._turn = asyncio.Lock()
        self._freed = asyncio.Event()

    def delay(self) -> float | None:
        """Seconds to wait before the next request may leave: 0 now, None until one in flight ends."""
        now = self.clock()
        while self._done and self._done[0] <= now - self.window:
            self._done.popleft()
        wait = max(0.0, self._paused_until - now)
        if len(self._done) + self._in_flight >= self.limit:
            if len(self._done) == 0 or self._in_flight >= self.limit:
                return None
            wait = max(wait, self._done[0] + self.window - now)
        return wait

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Waits for a free slot, holds it while the request is under way."""
        async with self._turn:  # first come, first served
            while (wait := self.delay()) != 0:
                self._freed.clear()
                if wait is None:
                    await self._freed.wait()
                else:
                    await asyncio.sleep(wait)
            self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._done.append(self.clock())
            self._freed.set()

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self.clock() + seconds)
