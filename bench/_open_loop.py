"""An open-loop load for bench/latency.py: updates arrive at a steady rate, whatever the bot does.

A closed loop (each resident waits for the answer, then writes again at once) lets a slow bot slow
its own load down, and hides its latency. Here a schedule releases one turn every 1/rate s (a
steady 100 updates/s: 10 ms apart), each to a resident who is not waiting for an answer (the one
idle longest); the resident sends their next message of the full request flow (bench/_telegram_load
``resident``: 9 or 10 turns). A turn's latency runs from its *scheduled* moment (so a late release, the
load's own lag, counts against the bot, not for it) to the answer with buttons at the fake Bot API.
"""

import asyncio
import math
import time
from collections import deque

from bench._telegram_load import TURN_TIMEOUT, TURNS, TimedUser, Webhooks, delivery, resident, watch
from tests.fakes.telegram_api import FakeBot


class Schedule:
    """Releases the residents' turns at a steady rate; each waiting resident gets its scheduled moment."""

    def __init__(self) -> None:
        self.idle: deque[asyncio.Future] = deque()
        self.released = 0
        self.starved = 0
        """Moments at which no resident was free (the load was too small): their turns went late."""

    async def turn(self) -> float:
        waiting = asyncio.get_running_loop().create_future()
        self.idle.append(waiting)
        return await waiting

    async def run(self, rate: float, seconds: float) -> None:
        start = time.perf_counter()
        for k in range(int(rate * seconds)):
            due = start + k / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if not self.idle:
                self.starved += 1
            while not self.idle:
                await asyncio.sleep(0.001)
            self.idle.popleft().set_result(due)
            self.released += 1


class ScheduledUser(TimedUser):
    """Sends each message at the moment the schedule gives it; its latency counts from that moment."""

    def __init__(self, bot: FakeBot, chat_id: int, events, latencies: list[float], schedule: Schedule,
                 webhooks: Webhooks | None = None):
        super().__init__(bot, chat_id, events, latencies, delivery(bot, webhooks))
        self.schedule = schedule

    async def _answer_to(self, update: dict, timeout: float = TURN_TIMEOUT):
        return await self._timed(update, await self.schedule.turn(), timeout)


async def open_loop(bot: FakeBot, rate: float, seconds: float, first_chat: int = 20_000,
                    webhooks: Webhooks | None = None) -> dict:
    """Runs the schedule for ``seconds``; returns the latency figures of the turns it released."""
    events, latencies, schedule = watch(bot), [], Schedule()
    residents = math.ceil(rate * seconds / TURNS) + max(10, int(rate))  # always someone free
    users = [ScheduledUser(bot, first_chat + i, events, latencies, schedule, webhooks) for i in range(residents)]
    flows = [asyncio.create_task(resident(user)) for user in users]
    cpu, started = time.process_time(), time.perf_counter()
    try:
        await schedule.run(rate, seconds)
        offered_s = time.perf_counter() - started
        deadline = time.perf_counter() + TURN_TIMEOUT
        while len(latencies) < schedule.released and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)  # the last turns' answers
    finally:
        for flow in flows:
            flow.cancel()
        outcomes = await asyncio.gather(*flows, return_exceptions=True)
        bot.__dict__.pop("_record", None)  # undo watch()
    failures = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, asyncio.CancelledError)]
    latencies.sort()

    def ms(q: float) -> float | None:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 1) if latencies else None

    return {"rate": rate, "seconds": seconds, "residents": residents, "released": schedule.released,
            "answered": len(latencies), "starved": schedule.starved, "offered_s": round(offered_s, 2),
            "p50_ms": ms(0.50), "p90_ms": ms(0.90), "p99_ms": ms(0.99), "max_ms": ms(1.0),
            "under_50ms_pct": round(100 * sum(1 for x in latencies if x < 0.05) / max(len(latencies), 1), 1),
            "failed_users": len(failures), "failures": [repr(f)[:300] for f in failures[:3]],
            "load_cpu_s": round(time.process_time() - cpu, 2)}
