"""The scheduled jobs and when they run.

Jobs are kept in the database (APScheduler's SQLAlchemyJobStore) by reference, so a job
is a module-level async function without arguments that finds its service through the
registry. To add a job, write its function here and add one line to ``jobs()``, e.g.

    async def start_due_broadcasts() -> None:
        await running("broadcasts").start_due()

    JobSpec("start_due_broadcasts", start_due_broadcasts, IntervalTrigger(minutes=1)),

and hand the service to the host in main.py (``services={"broadcasts": …}``). Every job
runs with ``coalesce=True`` and ``max_instances=1``; a run missed while the service was
down runs once when it comes back if it is late by less than the job's grace time (an
interval job's grace is one interval). A job must be idempotent: two schedulers can
overlap for a moment when a lease is taken over, and a job cut short is run again.
"""

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from handlers.config import CoreConfig
from handlers.reminders.digest import DIGEST_LATEST
from scheduler.registry import running


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: Callable[[], Awaitable[Any]]
    trigger: BaseTrigger
    grace: timedelta | None = None
    """How late a missed run may still start; an interval job's default is one interval."""
    catch_up: bool = False
    """Also run once whenever this process becomes the scheduler (the job knows if it has work)."""

    def options(self) -> dict[str, Any]:
        grace = self.grace or getattr(self.trigger, "interval", None)
        if grace is None:
            raise ValueError(f"job {self.id!r}: a grace time is needed for a {self.trigger}")
        return {"coalesce": True, "max_instances": 1, "misfire_grace_time": max(1, math.ceil(grace.total_seconds()))}


async def expire_idle_dialogs() -> None:
    await running("core").expire_idle_dialogs()


async def run_broadcasts() -> None:
    await running("broadcasts").tick()


async def watch_deadlines() -> None:
    await running("reminders").watch_deadlines()


async def send_morning_digest() -> None:
    await running("reminders").send_morning_digest()


async def remind_hearings() -> None:
    await running("hearings").remind()


def jobs(config: CoreConfig, *, watch_every: timedelta = timedelta(minutes=5),
         sweep_every: timedelta = timedelta(minutes=1)) -> list[JobSpec]:
    digest_at = CronTrigger(hour=config.digest_time.hour, minute=config.digest_time.minute,
                            timezone=config.timezone)
    return [
        JobSpec("expire_idle_dialogs", expire_idle_dialogs, IntervalTrigger(seconds=sweep_every.total_seconds())),
        JobSpec("watch_deadlines", watch_deadlines, IntervalTrigger(seconds=watch_every.total_seconds()),
                catch_up=True),
        # The digest knows its day (job_runs): catching up after a crash mid-run cannot send it twice.
        JobSpec("morning_digest", send_morning_digest, digest_at, grace=DIGEST_LATEST, catch_up=True),
        # Starts due announcements (each once, in its own transaction) and edits their progress in place.
        JobSpec("broadcasts", run_broadcasts, IntervalTrigger(seconds=2), catch_up=True),
        # The day-before reminder of a public hearing, once per registration (job_runs).
        JobSpec("hearing_reminders", remind_hearings, IntervalTrigger(seconds=watch_every.total_seconds()),
                catch_up=True),
    ]
