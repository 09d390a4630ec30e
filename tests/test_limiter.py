"""The sliding-window limiter: no window of W seconds ever sees more than N requests at the server."""

import asyncio
import random
import time

import pytest

from bot.delivery.limiter import Cancelled, SlidingWindowLimiter
from tests.waiting import within


def busiest_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while times[start] <= moment - window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_no_window_at_the_server_holds_more_than_the_limit_even_with_network_delay():
    limiter, window, limit = SlidingWindowLimiter(10, 0.2), 0.2, 10
    arrivals: list[float] = []
    rng = random.Random(7)

    async def request() -> None:
        async with limiter.slot():
            await asyncio.sleep(rng.uniform(0, 0.03))  # on the way to the server
            arrivals.append(time.monotonic())
            await asyncio.sleep(rng.uniform(0, 0.03))  # the answer on its way back

    await asyncio.gather(*(request() for _ in range(60)))
    assert len(arrivals) == 60
    assert busiest_window(arrivals, window) <= limit
    assert busiest_window(arrivals, window * 2) > limit  # it does not starve either


async def test_a_burst_after_idle_is_not_doubled():
    limiter = SlidingWindowLimiter(5, 0.3)
    starts: list[float] = []

    async def request() -> None:
        async with limiter.slot():
            starts.append(time.monotonic())

    await asyncio.gather(*(request() for _ in range(12)))
    assert busiest_window(starts, 0.3) <= 5 and len(starts) == 12


async def test_a_burst_is_spread_over_the_window():
    limiter = SlidingWindowLimiter(10, 0.2)
    starts: list[float] = []

    async def request() -> None:
        async with limiter.slot():
            starts.append(time.monotonic())

    await asyncio.gather(*(request() for _ in range(10)))
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.02 * 0.95  # one every window / limit, not ten at once
    assert busiest_window(starts, 0.1) <= 6


async def test_pause_holds_everyone_back():
    limiter = SlidingWindowLimiter(100, 1.0)
    limiter.pause(0.2)
    began = time.monotonic()
    async with limiter.slot():
        waited = time.monotonic() - began
    assert waited >= 0.19


async def test_a_reply_overtakes_queued_broadcast_messages():
    limiter = SlidingWindowLimiter(2, 0.2)
    order: list[str] = []

    async def request(name: str, priority: int) -> None:
        async with limiter.slot(priority):
            order.append(name)

    notices = [asyncio.create_task(request(f"notice{i}", 9)) for i in range(8)]
    await asyncio.sleep(0)  # the notices queue up first
    reply = asyncio.create_task(request("reply", 0))
    await asyncio.gather(reply, *notices)
    assert order.index("reply") <= 3  # behind at most the head waiter and the first window
    assert sorted(order) == sorted(["reply"] + [f"notice{i}" for i in range(8)])


async def test_a_request_keeps_its_place_until_its_outcome_is_settled():
    limiter = SlidingWindowLimiter(3, 0.05)
    loop = asyncio.get_running_loop()
    settled = [loop.create_future() for _ in range(3)]
    for future in settled:
        async with limiter.slot(settled=future):
            pass  # sent and answered, but not recorded yet
    went, answered = asyncio.Event(), asyncio.Event()

    async def fourth() -> None:
        async with limiter.slot():
            went.set()
            await answered.wait()

    in_flight = asyncio.create_task(fourth())
    await asyncio.sleep(0.3)  # six windows pass: the window alone would have let it go
    assert not went.is_set()
    settled[1].set_result(None)  # one outcome is recorded
    await within(went.wait(), "the fourth did not go when a place was freed")
    fifth = asyncio.create_task(fourth())
    await asyncio.sleep(0.2)
    assert not fifth.done()  # the fourth is still in flight and two are unsettled: three in all
    settled[0].cancel()  # a future given up on frees its place too
    answered.set()
    await within(asyncio.gather(in_flight, fifth), "the fifth did not go when places were freed")


async def test_a_request_called_off_when_its_turn_comes_does_not_go_nor_count():
    limiter = SlidingWindowLimiter(1, 0.2)
    ours = True
    async with limiter.slot():
        pass  # the one request of this window
    waiting = asyncio.create_task(_enter(limiter, go=lambda: ours))
    ours = False  # the instance's heartbeat lapsed while it waited for the window
    with pytest.raises(Cancelled):
        await waiting
    await within(_enter(limiter), "the called-off request held a place")  # its place is free


async def _enter(limiter: SlidingWindowLimiter, go=None) -> None:
    async with limiter.slot(go=go):
        pass
