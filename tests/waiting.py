"""Waiting in the tests for what happens, never for a length of time.

A test waits for the event or the condition it is about, and goes on the moment it holds;
the deadline is only there so that a test that will never see it fails instead of hanging,
so it is generous (PATIENCE): a loaded machine (another CPU-heavy process beside the suite,
CI on two cores) may be many times slower than a quiet one, and a deadline that is met costs
nothing.

- ``eventually(condition, what)``: polls a condition (a function, plain or async) until it
  returns something true, and returns that.
- ``within(awaitable, what)``: awaits an event, a task or a future, failing after PATIENCE.
- ``Signal``: what a fake server notifies whenever its state changes (a message accepted,
  a long poll parked); ``wait_until`` re-checks a condition on each notification instead of
  polling.
"""

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

PATIENCE = 30.0  # seconds; the deadline of every wait for something that is expected to happen
POLL = 0.01  # how often ``eventually`` looks again

T = TypeVar("T")


async def _value_of(condition: Callable[[], Any]) -> Any:
    value = condition()
    if inspect.isawaitable(value):
        value = await value
    return value


async def eventually(condition: Callable[[], Any], what: str = "the condition did not come true", *,
                     timeout: float = PATIENCE, interval: float = POLL) -> Any:
    """Calls ``condition`` (plain or async) until it returns a true value, and returns that value;
    raises ``TimeoutError(what)`` if it has not after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await _value_of(condition)
        if value:
            return value
        if loop.time() > deadline:
            raise TimeoutError(f"{what} (waited {timeout:g} s; last saw {value!r})")
        await asyncio.sleep(interval)


async def within(awaitable: Awaitable[T], what: str = "it did not happen", *, timeout: float = PATIENCE) -> T:
    """Awaits an event's ``wait()``, a task or a future; raises ``TimeoutError(what)`` after ``timeout`` s."""
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except TimeoutError:
        raise TimeoutError(f"{what} (waited {timeout:g} s)") from None


class Signal:
    """Notified by a fake whenever something of interest happened; waiters re-check their condition."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait_until(self, condition: Callable[[], Any], what: Callable[[], str] | str, *,
                         timeout: float = PATIENCE) -> Any:
        """Returns ``condition()`` once it is true, checked now and after every notification;
        raises ``TimeoutError`` with ``what`` (a text, or a function giving one) after ``timeout`` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (value := condition()):
            if self._event is None:
                self._event = asyncio.Event()
            try:
                await asyncio.wait_for(self._event.wait(), max(deadline - loop.time(), 0))
            except TimeoutError:
                raise TimeoutError(what() if callable(what) else what) from None
        return value
