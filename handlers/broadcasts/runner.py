"""The one coroutine the scheduler (or a loop) calls: start what is due, report progress.

``tick`` is idempotent and safe to run in several processes at once: each broadcast is
started in its own transaction with its row locked, and only from 'scheduled'.
"""

import logging
import time
from collections.abc import Callable
from datetime import datetime

from handlers.broadcasts.expansion import do_start_broadcast, due_broadcast_ids
from handlers.broadcasts.progress import do_report_progress, sending_broadcast_ids
from handlers.config import CoreConfig
from storage.db import Database
from storage.types import utcnow

log = logging.getLogger(__name__)


class BroadcastRunner:
    def __init__(self, db: Database, config: CoreConfig, *, clock: Callable[[], datetime] = utcnow,
                 on_outbox: Callable[[], None] = lambda: None, progress_every: float = 3.0) -> None:
        self.db, self.config, self.clock, self.on_outbox = db, config, clock, on_outbox
        self.progress_every = progress_every
        self._last_progress: dict[int, float] = {}

    async def tick(self) -> tuple[int, int]:
        """Starts the due broadcasts and reports on the running ones; returns (started, finished)."""
        started = finished = 0
        async with self.db.reader() as session:
            due = await due_broadcast_ids(session, self.clock())
        for broadcast_id in due:
            async with self.db.transaction() as session:
                if await do_start_broadcast(session, broadcast_id, self.clock(), self.config):
                    started += 1
                    self._last_progress[broadcast_id] = time.monotonic()
                    log.info("broadcast %s started", broadcast_id)
        if started:
            self.on_outbox()
        async with self.db.reader() as session:
            running = await sending_broadcast_ids(session)
        for broadcast_id in running:
            edit = time.monotonic() - self._last_progress.get(broadcast_id, 0.0) >= self.progress_every
            async with self.db.transaction() as session:
                done = await do_report_progress(session, broadcast_id, self.clock(), edit=edit)
            if edit:
                self._last_progress[broadcast_id] = time.monotonic()
            if done:
                finished += 1
                self._last_progress.pop(broadcast_id, None)
                log.info("broadcast %s finished", broadcast_id)
        if running:
            self.on_outbox()
        return started, finished

