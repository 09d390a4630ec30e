"""Rate limits for the public side: at most N requests in any window, per IP address or per API key.

In process: each instance of a deployment counts its own callers (a caller spread over N instances
behind a balancer gets up to N times the limit; the proxy in front is the place for a global one).
"""

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

SWEEP_EVERY = 1000
"""Forget idle callers every this many checks, so the table stays as small as the active callers."""


@dataclass
class SlidingWindow:
    limit: int
    window: float
    """Seconds."""
    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, deque[float]] = field(default_factory=dict)
    _checks: int = 0

    def retry_after(self, caller: str) -> float | None:
        """Counts one request of the caller; ``None`` if it is allowed, else the seconds until it would be."""
        now = self.clock()
        self._checks += 1
        if self._checks % SWEEP_EVERY == 0:
            self._sweep(now)
        times = self._seen.setdefault(caller, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return times[0] + self.window - now
        times.append(now)
        return None

    def _sweep(self, now: float) -> None:
        for caller in [c for c, times in self._seen.items() if not times or times[-1] <= now - self.window]:
            del self._seen[caller]


@dataclass(frozen=True)
class PublicLimits:
    """Reads per IP (the API and the page), posts per IP and per API key, per minute."""

    reads_per_ip: int = 120
    posts_per_ip: int = 10
    posts_per_key: int = 30
    window: float = 60.0

    def windows(self) -> "Windows":
        return Windows(SlidingWindow(self.reads_per_ip, self.window), SlidingWindow(self.posts_per_ip, self.window),
                       SlidingWindow(self.posts_per_key, self.window))


@dataclass(frozen=True)
class Windows:
    reads: SlidingWindow
    posts: SlidingWindow
    keys: SlidingWindow
