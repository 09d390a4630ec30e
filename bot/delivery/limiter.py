"""Rate limits as Telegram counts them: at most N events in ANY window of W seconds.

A token bucket "30 per second" lets about 59 through in the first second after idle;
a sliding window of the last N send times never does. ``pause`` holds every sender
back after a 429's ``retry_after``.
"""

import asyncio
import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    def __init__(self, limit: int, window: float = 1.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1:
            raise ValueError("a limit needs at least one event per window")
        self.limit, self.window, self.clock = limit, window, clock
        self._times: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def delay(self) -> float:
        """Seconds to wait before the next event is allowed (0 if now)."""
        now = self.clock()
        while self._times and self._times[0] <= now - self.window:
            self._times.popleft()
        wait = max(0.0, self._paused_until - now)
        if len(self._times) >= self.limit:
            wait = max(wait, self._times[0] + self.window - now)
        return wait

    async def acquire(self) -> None:
        async with self._lock:  # first come, first served
            while (wait := self.delay()) > 0:
                await asyncio.sleep(wait)
            self._times.append(self.clock())

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    @property
    def idle(self) -> bool:
        return self.delay() == 0 and not self._times
