"""The reminders service the scheduler calls: each step in its own unit of work."""

import logging
from collections.abc import Callable
from datetime import datetime

from handlers.config import CoreConfig
from handlers.reminders.digest import do_send_morning_digest
from handlers.reminders.watch import WATCH_STEPS, Watched
from storage.db import Database
from storage.types import utcnow

log = logging.getLogger(__name__)

BATCH = 100


class Reminders:
    def __init__(self, db: Database, config: CoreConfig, *, clock: Callable[[], datetime] = utcnow,
                 on_outbox: Callable[[], None] = lambda: None) -> None:
        self.db, self.config, self.clock, self.on_outbox = db, config, clock, on_outbox

    async def watch_deadlines(self) -> dict[str, int]:
        """Reminds and escalates whatever is due now; returns how many items (requests and legal
        questions) each step handled."""
        now = self.clock()
        handled = {}
        every_watched = self.config.features.provided(Watched)  # requests, legal questions, …
        for step in WATCH_STEPS:
            handled[step.__name__] = 0
            for watched in every_watched:
                while True:
                    async with self.db.transaction() as session:
                        count = await step(session, now, self.config, limit=BATCH, watched=watched)
                    handled[step.__name__] += count
                    if count < BATCH:
                        break
        if any(handled.values()):
            log.info("deadline watch: %s", handled)
            self.on_outbox()
        return handled

    async def send_morning_digest(self) -> int | None:
        """The day's digest, unless it was sent already; returns how many messages (``None``: not this time)."""
        async with self.db.transaction() as session:
            sent = await do_send_morning_digest(session, self.clock(), self.config)
        if sent is not None:
            log.info("morning digest: %s messages", sent)
            self.on_outbox()
        return sent
