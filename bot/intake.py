"""Intake: updates are recorded before they are processed, then processed one chat at a time.

A channel adapter calls ``record`` as soon as updates arrive (before long polling
confirms them, before a webhook answers 200); ``run`` feeds recorded items to the
channel's processing function. Items of one routing key (one chat) go in order and
never two at a time; different chats go concurrently. A failing item is retried a few
times, then marked failed (its payload kept for staff) and the person gets an apology.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from handlers.services.identities import insert_ignore
from storage.db import Database
from storage.enums import Channel, IntakeStatus
from storage.models import IntakeItem
from storage.types import utcnow

log = logging.getLogger(__name__)

Processor = Callable[[IntakeItem], Awaitable[bool]]
"""Processes one item; returns false if nothing took it (then the queue closes it)."""
Apology = Callable[[Channel, str], Awaitable[None]]


@dataclass(frozen=True)
class Arrival:
    external_id: str
    routing_key: str
    payload: dict[str, Any]


class IntakeQueue:
    def __init__(self, db: Database, processors: dict[Channel, Processor], *, apologize: Apology,
                 concurrency: int = 16, max_attempts: int = 3, idle_poll: float = 1.0) -> None:
        self.db, self.processors, self.apologize = db, processors, apologize
        self.max_attempts, self.idle_poll = max_attempts, idle_poll
        self._slots = asyncio.Semaphore(concurrency)
        self._busy_keys: set[str] = set()
        self._in_flight: set[int] = set()
        self._tasks: set[asyncio.Task] = set()
        self._wake = asyncio.Event()
        self._stopping = False

    async def record(self, channel: Channel, arrivals: list[Arrival]) -> None:
        """Stores new updates durably; an update already recorded is ignored."""
        if not arrivals:
            return
        now = utcnow()
        rows = [{"channel": channel, "external_id": a.external_id, "routing_key": a.routing_key,
                 "payload": a.payload, "status": IntakeStatus.PENDING, "attempts": 0, "received_at": now}
                for a in arrivals]
        async with self.db.transaction() as session:
            await session.execute(insert_ignore(session, IntakeItem), rows)
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            started = await self.start_due()
            if not started:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.idle_poll)
                except TimeoutError:
                    pass
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def drain(self) -> None:
        """Processes everything recorded so far (for tests and the console)."""
        while await self.start_due() or self._tasks:
            if self._tasks:
                await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)

    async def start_due(self) -> int:
        """Starts the oldest pending item of every chat that is not busy; returns how many."""
        async with self.db.reader() as session:
            pending = (await session.execute(
                sa.select(IntakeItem.id, IntakeItem.routing_key).where(
                    IntakeItem.status == IntakeStatus.PENDING, IntakeItem.channel.in_(list(self.processors)))
                .order_by(IntakeItem.id).limit(1000))).all()
            chosen: dict[str, int] = {}
            for item_id, key in pending:
                if item_id not in self._in_flight and key not in self._busy_keys and key not in chosen:
                    chosen[key] = item_id
            items = (await session.scalars(sa.select(IntakeItem).where(IntakeItem.id.in_(list(chosen.values())))
                                           .order_by(IntakeItem.id))).all() if chosen else []
        started = 0
        for item in items:
            self._busy_keys.add(item.routing_key)
            self._in_flight.add(item.id)
            task = asyncio.create_task(self._process(item))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            started += 1
        return started

    async def _process(self, item: IntakeItem) -> None:
        try:
            async with self._slots:
                handled = await self.processors[item.channel](item)
            if not handled:
                await self._do_close_unclaimed(item)
        except Exception as error:
            log.exception("processing %s update %s (%s) failed", item.channel, item.external_id, item.routing_key)
            await self._do_note_failure(item, error)
        finally:
            self._busy_keys.discard(item.routing_key)
            self._in_flight.discard(item.id)
            self._wake.set()

    async def _do_close_unclaimed(self, item: IntakeItem) -> None:
        """An update no handler took (a service message, a group chat): done, payload dropped."""
        async with self.db.transaction() as session:
            await session.execute(sa.update(IntakeItem).where(
                IntakeItem.id == item.id, IntakeItem.status == IntakeStatus.PENDING)
                .values(status=IntakeStatus.DONE, processed_at=utcnow(), payload=None))

    async def _do_note_failure(self, item: IntakeItem, error: Exception) -> None:
        attempts = item.attempts + 1
        final = attempts >= self.max_attempts
        async with self.db.transaction() as session:
            await session.execute(sa.update(IntakeItem).where(IntakeItem.id == item.id).values(
                attempts=attempts, error=repr(error)[:2000],
                status=IntakeStatus.FAILED if final else IntakeStatus.PENDING))
        if final:
            await self.apologize(item.channel, item.routing_key)
        else:
            await asyncio.sleep(min(2 ** attempts, 10) * 0.1)
