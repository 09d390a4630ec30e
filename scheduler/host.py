"""SchedulerHost: the process that holds the scheduler lease runs APScheduler; others wait.

Every process of a deployment builds a host. The host checks the ``scheduler_lease``
row now and every ``renew_every``: the holder renews it and keeps APScheduler running;
the others stay on standby (and say so in the log) and take over once the lease has
expired or was released. A holder that finds its lease taken over stops its scheduler.

On becoming the holder the host starts APScheduler paused, brings the stored jobs in
line with ``jobs`` (new ones added, changed ones updated, a changed trigger
rescheduled, old ones removed; a stored job's next run time is kept, so a run missed
while the service was down still happens), resumes it, and runs the catch-up jobs.

The job store is APScheduler's SQLAlchemyJobStore on a synchronous engine. On
PostgreSQL it shares the database (``postgresql+psycopg``). On SQLite it is a sibling
file (``kairyl.db`` → ``kairyl.jobs.db``): APScheduler writes its store from the event
loop's thread, and a write that waited for a lock held by one of our own asynchronous
transactions would block the loop that transaction needs to finish.
"""

import asyncio
import logging
import os
import socket
import uuid
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    EVENT_SCHEDULER_SHUTDOWN,
    JobEvent,
    SchedulerEvent,
)
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url

from handlers.engine.feature import ScheduledJob
from handlers.woken import woken_within
from scheduler import jobs as stored_jobs
from scheduler.lease import LeaseState, do_hold_lease, do_release_lease
from storage.db import Database
from storage.types import utcnow

log = logging.getLogger(__name__)

FINISHED = {EVENT_JOB_EXECUTED: "executed", EVENT_JOB_ERROR: "error", EVENT_JOB_MISSED: "missed"}


def job_store_engine(database_url: str) -> Engine:
    """A synchronous engine for APScheduler's job store, derived from the service's database URL."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = url.database
        if path and path != ":memory:":
            root, _ext = os.path.splitext(path)
            return create_engine(url.set(drivername="sqlite", database=root + ".jobs.db"),
                                 connect_args={"timeout": 30})
        return create_engine("sqlite://")
    if url.get_backend_name() == "postgresql":
        return create_engine(url.set(drivername="postgresql+psycopg"), pool_size=2, pool_pre_ping=True)
    raise ValueError(f"no job store for a {url.get_backend_name()} database")


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class SchedulerHost:
    def __init__(self, db: Database, jobs: list[ScheduledJob], *, timezone: ZoneInfo,
                 holder: str | None = None, lease_name: str = "main", lease_ttl: timedelta = timedelta(seconds=60),
                 renew_every: timedelta = timedelta(seconds=20), clock: Callable[[], datetime] = utcnow) -> None:
        self.db, self.jobs, self.timezone = db, jobs, timezone
        self.holder = holder or default_holder()
        self.lease_name, self.lease_ttl, self.renew_every, self.clock = lease_name, lease_ttl, renew_every, clock
        self.scheduler: AsyncIOScheduler | None = None
        self.lease: LeaseState | None = None
        self.runs: deque[tuple[str, str]] = deque(maxlen=1000)
        """The latest finished runs, oldest first: (job id, "executed" | "error" | "missed")."""
        self._in_flight = 0
        self._shut_down: asyncio.Future | None = None
        self._changed = asyncio.Event()
        self._standby_under: str | None = None
        self._keeper: asyncio.Task | None = None
        self._stopping = asyncio.Event()

    @property
    def running(self) -> bool:
        return self.scheduler is not None

    async def start(self) -> None:
        """Checks the lease once (so the holder's jobs run from here on) and keeps checking."""
        await self.tick()
        self._keeper = asyncio.create_task(self._keep_lease(), name="scheduler-lease")

    async def stop(self) -> None:
        if self._keeper is not None:
            # Not cancelled: a cancel landing inside a lease transaction could leave its SQLite
            # connection holding the write lock (the release below then waited 30 s and failed with
            # «database is locked»). The keeper finishes its check and ends.
            self._stopping.set()
            await asyncio.gather(self._keeper, return_exceptions=True)
        if self.running:
            await self._stop_scheduler()
            async with self.db.transaction() as session:
                await do_release_lease(session, self.lease_name, self.holder, self.clock())
            log.info("scheduler stopped; lease released")

    async def tick(self) -> bool:
        """Acquires, renews or takes over the lease; starts or stops APScheduler to match. True if running."""
        now = self.clock()
        try:
            async with self.db.transaction() as session:
                lease = await do_hold_lease(session, self.lease_name, self.holder, now, self.lease_ttl)
        except Exception:
            log.exception("could not check the scheduler lease")
            if self.running and self.lease is not None and self.lease.expires_at <= now:
                log.warning("the scheduler lease expired unrenewed: stopping the scheduler")
                await self._stop_scheduler()
            return self.running
        self.lease = lease
        if lease.held_by(self.holder):
            self._standby_under = None
            if not self.running:
                await self._start_scheduler()
        elif self.running:
            log.warning("the scheduler lease was taken over by %s: stopping the scheduler here", lease.holder)
            await self._stop_scheduler()
        elif self._standby_under != lease.holder:
            self._standby_under = lease.holder
            log.info("standby: the scheduler runs in %s (lease until %s); this process (%s) takes over "
                     "if it lapses", lease.holder, lease.expires_at.isoformat(timespec="seconds"), self.holder)
        return self.running

    async def wait_for_run(self, job_id: str, count: int = 1) -> list[str]:
        """Waits until ``job_id`` has finished ``count`` runs here; returns their outcomes."""
        while True:
            outcomes = [outcome for job, outcome in self.runs if job == job_id]
            if len(outcomes) >= count:
                return outcomes
            self._changed.clear()
            await self._changed.wait()

    async def _keep_lease(self) -> None:
        while True:
            await woken_within(self._stopping, self.renew_every.total_seconds())
            if self._stopping.is_set():
                return
            try:
                await self.tick()
            except Exception:
                log.exception("scheduler lease check failed")

    async def _start_scheduler(self) -> None:
        scheduler = AsyncIOScheduler(timezone=self.timezone,
                                     jobstores={"default": SQLAlchemyJobStore(engine=job_store_engine(self.db.url))})
        scheduler.add_listener(self._on_event, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR
                               | EVENT_JOB_MISSED | EVENT_SCHEDULER_SHUTDOWN)
        scheduler.start(paused=True)
        self._sync_jobs(scheduler)
        stored_jobs.install(self.jobs)
        self.scheduler = scheduler
        scheduler.resume()
        log.info("this process (%s) runs the scheduler: %s", self.holder, ", ".join(job.id for job in self.jobs))
        for job in self.jobs:
            if job.catch_up:
                try:
                    await job.run()
                except Exception:
                    log.exception("catching up on %s failed", job.id)

    def _sync_jobs(self, scheduler: AsyncIOScheduler) -> None:
        wanted = {job.id for job in self.jobs}
        for stored in scheduler.get_jobs():
            if stored.id not in wanted:
                log.info("removing the stored job %s: no longer scheduled", stored.id)
                scheduler.remove_job(stored.id)
        for job in self.jobs:
            stored = scheduler.get_job(job.id)
            trigger, options = stored_jobs.trigger_of(job, self.timezone), stored_jobs.options_of(job)
            if stored is None:
                scheduler.add_job(stored_jobs.run_job, trigger, args=(job.id,), id=job.id, name=job.id, **options)
                continue
            scheduler.modify_job(job.id, func=stored_jobs.run_job, args=(job.id,), kwargs={}, **options)
            if str(stored.trigger) != str(trigger) or getattr(stored.trigger, "timezone", None) != getattr(
                    trigger, "timezone", None):
                log.info("job %s: trigger changed from %s to %s", job.id, stored.trigger, trigger)
                scheduler.reschedule_job(job.id, trigger=trigger)

    async def _stop_scheduler(self) -> None:
        """Lets running jobs finish, then shuts APScheduler down."""
        scheduler, self.scheduler = self.scheduler, None
        scheduler.pause()
        while self._in_flight > 0:
            self._changed.clear()
            await self._changed.wait()
        stored_jobs.uninstall(self.jobs)
        self._shut_down = asyncio.get_running_loop().create_future()
        scheduler.shutdown(wait=False)
        await self._shut_down

    def _on_event(self, event: SchedulerEvent) -> None:
        if event.code == EVENT_SCHEDULER_SHUTDOWN:
            if self._shut_down is not None and not self._shut_down.done():
                self._shut_down.set_result(None)
            return
        assert isinstance(event, JobEvent)
        if event.code == EVENT_JOB_SUBMITTED:
            self._in_flight += 1
            return
        self._in_flight = max(0, self._in_flight - 1)
        self.runs.append((event.job_id, FINISHED[event.code]))
        self._changed.set()
