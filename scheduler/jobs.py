"""Scheduled jobs (APScheduler 3). For now: closing dialogs left unfinished.

The sweep is idempotent (it re-reads what is due each time), so an in-memory job store
is enough for it: a missed run simply happens at the next minute. Jobs that must run
exactly once (digests, scheduled broadcasts) will need the persistent store.
"""

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from handlers.conversation import ConversationCore

log = logging.getLogger(__name__)


def build_scheduler(core: ConversationCore, *, sweep_seconds: int = 60) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="Asia/Bishkek")

    async def expire_idle_dialogs() -> None:
        closed = await core.expire_idle_dialogs()
        if closed:
            log.info("closed %s idle dialogs", closed)

    scheduler.add_job(expire_idle_dialogs, "interval", seconds=sweep_seconds, id="expire_idle_dialogs",
                      coalesce=True, max_instances=1, misfire_grace_time=sweep_seconds, replace_existing=True)
    return scheduler
