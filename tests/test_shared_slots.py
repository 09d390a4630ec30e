"""Send slots of one lane handed out by the database (bot/delivery/slots.py): limiters of two
instances (here two in one process, each with its own database connections) share a lane's
limit, each sending a share of the requests, and a 429's pause taken by one holds the other back."""

import asyncio
import time

from bot.delivery.limiter import SlidingWindowLimiter
from bot.delivery.slots import LATE, SharedSlots
from storage.db import Database
from tests.test_limiter import busiest_window

LANE = "telegram:1:"


def instance_limiter(db_url: str, limit: int, window: float) -> tuple[SlidingWindowLimiter, Database]:
    db = Database(db_url)
    limiter = SlidingWindowLimiter(limit, window)
    limiter.share(SharedSlots(db, LANE, limit=limit, window=window))
    return limiter, db


async def test_two_instances_share_a_lanes_limit_each_sending_a_share(db_url):
    limit, window = 10, 0.3
    (first, first_db), (second, second_db) = (instance_limiter(db_url, limit, window) for _ in range(2))
    starts: dict[str, list[float]] = {"first": [], "second": []}

    async def request(name: str, limiter: SlidingWindowLimiter) -> None:
        async with limiter.slot():
            starts[name].append(time.monotonic())

    try:
        await asyncio.gather(*(request("first", first) for _ in range(30)),
                             *(request("second", second) for _ in range(30)))
    finally:
        await first_db.dispose()
        await second_db.dispose()
    together = starts["first"] + starts["second"]
    assert len(together) == 60
    assert busiest_window(together, window) <= limit  # each alone would send its limit: 20 in a window
    gaps = [later - earlier for earlier, later in zip(sorted(together), sorted(together)[1:], strict=False)]
    spacing = first.slots.spacing if first.slots is not None else 0
    assert min(gaps) >= spacing - LATE - 0.005  # spaced, whichever sends (a slot may be used LATE, clocks read to 1 ms)
    assert busiest_window(together, 2 * window) > limit  # and not starved either
    assert first.slots is not None and second.slots is not None
    assert first.slots.reserved >= 30 and second.slots.reserved >= 30


async def test_a_pause_taken_by_one_instance_holds_the_others_back(db_url):
    (first, first_db), (second, second_db) = (instance_limiter(db_url, 30, 1.0) for _ in range(2))
    try:
        async with first.slot():
            pass
        first.pause(0.5)  # the platform answered this instance with a 429: retry after 0.5 s
        assert first.slots is not None
        await asyncio.gather(*first.slots._writes)  # the pause is shared
        began = time.monotonic()
        async with second.slot():
            waited = time.monotonic() - began
    finally:
        await first_db.dispose()
        await second_db.dispose()
    assert waited >= 0.4
