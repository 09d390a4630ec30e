"""``woken_within``: the wait on a wake-up event that the run loops of the intake, the delivery
worker, the poller and the scheduler use; a cancellation at the moment of a wake-up is not lost."""

import asyncio
import sys

import pytest

from handlers.woken import woken_within


async def _cancelled_as_it_is_woken(wait) -> asyncio.Task:
    event = asyncio.Event()
    waiting = asyncio.create_task(wait(event))
    await asyncio.sleep(0)  # it waits now
    event.set()
    waiting.cancel()
    return waiting


async def test_a_cancellation_at_the_moment_of_a_wake_up_is_kept():
    waiting = await _cancelled_as_it_is_woken(lambda event: woken_within(event, 10))
    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_what_asyncio_wait_for_does_in_this_python():
    """Why the helper exists: on Python 3.11 ``wait_for`` loses that cancellation (fixed in 3.12)."""
    waiting = await _cancelled_as_it_is_woken(lambda event: asyncio.wait_for(event.wait(), 10))
    try:
        await waiting
        lost = True
    except asyncio.CancelledError:
        lost = False
    assert lost == (sys.version_info < (3, 12))


async def test_it_says_whether_it_was_woken_or_the_time_ran_out():
    event = asyncio.Event()
    assert not await woken_within(event, 0.01)
    asyncio.get_running_loop().call_soon(event.set)
    assert await woken_within(event, 10)
