"""Waiting for an event with a time limit, without losing a cancellation.

Python 3.11's ``asyncio.wait_for`` returns normally when the task is cancelled at the moment the
awaited event is set, and the cancellation is lost: a loop that waits on a wake-up event with
``wait_for`` then goes on running after it was cancelled, and whoever awaits it hangs (a queue's
run loop that is woken often hung a test's stop this way). ``asyncio.timeout`` does not lose it.
"""

import asyncio


async def woken_within(event: asyncio.Event, seconds: float) -> bool:
    """Waits until ``event`` is set or ``seconds`` pass; true if it was set."""
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return False
    return True
