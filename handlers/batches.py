"""Group commit: the items waiting at one moment are processed together, in one unit of work.

A unit of work per incoming message costs a transaction (on SQLite a ``BEGIN IMMEDIATE``
behind the writers' lock), a claim, a lock and a read per message, each a round trip to
the database thread. Under load, many people's messages wait at the same moment; a
``Batcher`` hands them to ``process`` together, and each caller gets its own result.

If a batch fails, each of its items is processed again alone, so one bad message fails
only itself (and whatever the batch wrote is rolled back, so nothing is done twice).
Callers keep their own ordering: an item is submitted only after the previous item of the
same person has its result (``ConversationCore`` holds a lock per address for that).
Up to ``concurrency`` batches run at once (one batch could compute while another waits for
the database server; the conversation core measured one at a time best, see CONCURRENT_BATCHES).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

log = logging.getLogger(__name__)


class Batcher(Generic[Item, Result]):
    def __init__(self, process: Callable[[Sequence[Item]], Awaitable[list[Result]]], *, max_size: int = 32,
                 concurrency: int = 1) -> None:
        self.process, self.max_size = process, max_size
        self._waiting: list[tuple[Item, asyncio.Future]] = []
        self._runner: asyncio.Task | None = None
        self._slots = asyncio.Semaphore(concurrency)
        self._running: set[asyncio.Task] = set()

    async def submit(self, item: Item) -> Result:
        """Processes ``item`` with whatever else is waiting; returns its result or raises its error."""
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        try:
            while self._waiting:
                await self._slots.acquire()
                batch, self._waiting = self._waiting[:self.max_size], self._waiting[self.max_size:]
                task = asyncio.create_task(self._settle(batch))
                self._running.add(task)
                task.add_done_callback(self._finished)
        finally:  # cancelled (shutdown): nobody waits forever
            for _item, future in self._waiting:
                future.cancel()

    def _finished(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        self._slots.release()

    async def _settle(self, batch: list[tuple[Item, asyncio.Future]]) -> None:
        try:
            results = await self.process([item for item, _ in batch])
        except asyncio.CancelledError:
            for _item, future in batch:
                future.cancel()
            raise
        except Exception as error:  # noqa: BLE001 - handed to the caller, or isolated below
            if len(batch) == 1:
                _resolve(batch[0][1], error=error)
                return
            log.warning("a batch of %d failed (%r); each is processed alone", len(batch), error)
            for one in batch:
                await self._settle([one])
            return
        for (_item, future), result in zip(batch, results, strict=True):
            _resolve(future, result=result)


def _resolve(future: asyncio.Future, *, result: object = None, error: BaseException | None = None) -> None:
    if future.done():  # the caller gave up waiting
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
