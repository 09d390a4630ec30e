"""The features' scheduled jobs (``handlers.engine.feature.ScheduledJob``) as APScheduler jobs.

APScheduler keeps its jobs in the database by reference, so a stored job cannot carry the
service it calls: every stored job is ``run_job(<its id>)``, and the host that holds the
scheduler lease installs its ``ScheduledJob``s here, where ``run_job`` finds them by id.
To add a job, a feature returns one more ``ScheduledJob`` from its ``Feature.jobs``.

Every job runs with ``coalesce=True`` and ``max_instances=1``; a run missed while the
service was down runs once when it comes back if it is late by less than the job's grace
time (an interval job's grace is one interval).
"""

import math
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from handlers.engine.feature import ScheduledJob

_installed: dict[str, ScheduledJob] = {}
"""The jobs of the host that runs the scheduler in this process (at most one does)."""


def install(jobs: list[ScheduledJob]) -> None:
    _installed.clear()
    _installed.update({job.id: job for job in jobs})


def uninstall(jobs: list[ScheduledJob]) -> None:
    """Removes the jobs if they are still the installed ones (another host may have replaced them)."""
    if all(_installed.get(job.id) is job for job in jobs):
        _installed.clear()


async def run_job(job_id: str) -> None:
    """What every stored job calls."""
    job = _installed.get(job_id)
    if job is None:
        raise LookupError(f"no job {job_id!r} installed: is this process the scheduler lease holder?")
    await job.run()


def trigger_of(job: ScheduledJob, timezone: ZoneInfo) -> BaseTrigger:
    if job.every is not None:
        return IntervalTrigger(seconds=job.every.total_seconds())
    assert job.daily_at is not None
    return CronTrigger(hour=job.daily_at.hour, minute=job.daily_at.minute, timezone=timezone)


def options_of(job: ScheduledJob) -> dict[str, Any]:
    grace: timedelta | None = job.grace or job.every
    assert grace is not None  # a daily job has one (ScheduledJob checks)
    return {"coalesce": True, "max_instances": 1, "misfire_grace_time": max(1, math.ceil(grace.total_seconds()))}
