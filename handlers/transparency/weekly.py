"""The weekly digest as a scheduled job: one unit of work per run, the delivery worker woken after."""

from collections.abc import Callable
from datetime import datetime

from handlers.config import CoreConfig
from handlers.transparency.digest import LATEST, do_send_weekly_digest, week_due
from storage.db import Database
from storage.types import utcnow


class WeeklyDigest:
    def __init__(self, db: Database, config: CoreConfig, *, clock: Callable[[], datetime] = utcnow,
                 on_outbox: Callable[[], None] = lambda: None) -> None:
        self.db, self.config, self.clock, self.on_outbox = db, config, clock, on_outbox

    async def send(self) -> int | None:
        """Runs every morning; on Monday (or caught up that day) it sends the week's digest once.
        Any other day it returns at once, without a write transaction."""
        now = self.clock()
        if now - week_due(now, self.config) > LATEST:
            return None
        async with self.db.transaction() as session:
            sent = await do_send_weekly_digest(session, now, self.config)
        if sent:
            self.on_outbox()
        return sent
