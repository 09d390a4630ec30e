"""The scheduler: real APScheduler instances on the test database, one after another and side by side.

A digest missed while the service was down runs once on start; a second start the same
day does not send it again; of two hosts at once only the lease holder runs jobs, and a
standby takes over when the holder's lease lapses or is released.
"""

import asyncio
import dataclasses
import logging
from datetime import UTC, datetime, time, timedelta

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_SCHEDULER_SHUTDOWN
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.engine import make_url

from handlers.config import BISHKEK
from handlers.engine.feature import JobContext, ScheduledJob
from scheduler.host import SchedulerHost, job_store_engine
from storage.db import Database
from tests.test_reminders import CONFIG, HEAD_RU, build_world
from tests.waiting import eventually, within


def digest_config(hours_ago: float):
    """A digest time ``hours_ago`` before the real now (APScheduler runs on the real clock)."""
    moment = (datetime.now(BISHKEK) - timedelta(hours=hours_ago)).replace(second=0, microsecond=0)
    return dataclasses.replace(CONFIG, digest_time=time(moment.hour, moment.minute)), moment


async def digests(world) -> list[str]:
    """The digests the Russian-speaking head received (the deadline watch may write to them too)."""
    return [text for text in await world.outbox(HEAD_RU) if text.startswith("☀️")]


def specs(db: Database, config, *, catch_up: bool = True) -> list[ScheduledJob]:
    """The features' jobs, as the service schedules them."""
    return [dataclasses.replace(job, catch_up=job.catch_up and catch_up)
            for job in config.features.jobs(JobContext(db, config, lambda: None))]


def host(db: Database, config, holder: str, *, catch_up: bool = True, clock=None, extra=()) -> SchedulerHost:
    return SchedulerHost(db, [*specs(db, config, catch_up=catch_up), *extra],
                         timezone=BISHKEK, holder=holder, renew_every=timedelta(hours=1),
                         **({"clock": clock} if clock else {}))


async def set_next_run(db_url: str, job_id: str, moment: datetime) -> None:
    """What the job store holds after a downtime: the job's next run time, now in the past."""
    scheduler = AsyncIOScheduler(timezone=BISHKEK, jobstores={"default": SQLAlchemyJobStore(
        engine=job_store_engine(db_url))})
    stopped = asyncio.get_running_loop().create_future()
    scheduler.add_listener(lambda _event: stopped.set_result(None), EVENT_SCHEDULER_SHUTDOWN)
    scheduler.start(paused=True)
    scheduler.modify_job(job_id, next_run_time=moment)
    scheduler.shutdown()
    await stopped


def next_run(running: SchedulerHost, job_id: str) -> datetime:
    return running.scheduler.get_job(job_id).next_run_time


async def test_a_digest_missed_while_down_runs_once_on_start_and_not_again(db, db_url):
    world = await build_world(db)
    await world.submit("Нет воды")
    config, due = digest_config(hours_ago=1)

    first = host(db, config, "first", catch_up=False)   # the service ran before the digest time...
    await first.start()
    assert next_run(first, "morning_digest") == due + timedelta(days=1)
    await first.stop()
    await set_next_run(db_url, "morning_digest", due)  # ...and was down when it came
    assert await digests(world) == []

    second = host(db, config, "second", catch_up=False)
    await second.start()
    assert await within(second.wait_for_run("morning_digest"), "the digest did not run") == ["executed"]
    assert len(await digests(world)) == 1
    assert next_run(second, "morning_digest") == due + timedelta(days=1)
    await second.stop()

    third = host(db, config, "third")  # started again the same day, catching up: nothing to send
    await third.start()
    assert next_run(third, "morning_digest") == due + timedelta(days=1)
    await third.stop()
    assert [job for job, _ in third.runs] == []
    assert len(await digests(world)) == 1


async def test_a_digest_cut_short_is_caught_up_on_start(db, db_url):
    """The store moved on (APScheduler advances it when a run starts) but the day was never claimed."""
    world = await build_world(db)
    config, due = digest_config(hours_ago=2)
    running = host(db, config, "only")
    await running.start()
    assert next_run(running, "morning_digest") == due + timedelta(days=1)
    assert len(await digests(world)) == 1
    await running.stop()
    again = host(db, config, "again")
    await again.start()
    await again.stop()
    assert len(await digests(world)) == 1


async def test_a_digest_missed_by_more_than_its_grace_is_skipped(db, db_url):
    world = await build_world(db)
    config, due = digest_config(hours_ago=13)
    first = host(db, config, "first", catch_up=False)
    await first.start()
    await first.stop()
    await set_next_run(db_url, "morning_digest", due)
    second = host(db, config, "second")
    await second.start()
    assert await within(second.wait_for_run("morning_digest"), "the digest did not run") == ["missed"]
    await second.stop()
    assert await digests(world) == []


# -- one scheduler per deployment ---------------------------------------------------------------
ticks: list[str] = []


class Ticker:
    def __init__(self, name: str) -> None:
        self.name = name

    def hit(self) -> None:
        ticks.append(self.name)


def tick_job(ticker: Ticker) -> ScheduledJob:
    async def tick() -> None:
        ticker.hit()

    return ScheduledJob("tick", tick, every=timedelta(seconds=0.2))


def lease_host(db: Database, holder: str, clock) -> SchedulerHost:
    return SchedulerHost(db, [tick_job(Ticker(holder))], timezone=BISHKEK, holder=holder, clock=clock,
                         lease_ttl=timedelta(seconds=60), renew_every=timedelta(hours=1))


async def test_only_the_lease_holder_runs_jobs_and_a_standby_takes_over(db, db_url, caplog):
    caplog.set_level(logging.INFO, logger="scheduler.host")
    now = [datetime(2026, 11, 17, 3, 0, tzinfo=UTC)]
    other_process = Database(db_url)
    a, b = lease_host(db, "a", lambda: now[0]), lease_host(other_process, "b", lambda: now[0])
    ticks.clear()
    try:
        await a.start()
        await b.start()
        assert a.running and not b.running
        assert "standby: the scheduler runs in a" in caplog.text
        await within(a.wait_for_run("tick", 3), "a did not tick")
        assert set(ticks) == {"a"} and list(b.runs) == []

        now[0] += timedelta(seconds=50)
        assert await a.tick() and not await b.tick()  # renewed: a holds it for another minute
        now[0] += timedelta(seconds=59)
        assert not await b.tick()
        assert caplog.text.count("standby:") == 1  # said once, not at every check

        now[0] += timedelta(seconds=2)  # a stopped renewing (frozen, or cut off from the database)
        assert await b.tick()
        ticks.clear()
        await within(b.wait_for_run("tick", 2), "b did not tick")
        assert not await a.tick()  # a wakes up, sees b holds the lease, stops its scheduler
        assert "taken over by b" in caplog.text
        ticks.clear()
        await within(b.wait_for_run("tick", len([r for r in b.runs if r[0] == "tick"]) + 2), "b did not tick")
        assert set(ticks) == {"b"}

        await b.stop()  # a clean stop releases the lease: a takes over at its next check
        assert await a.tick()
        ticks.clear()
        await within(a.wait_for_run("tick", len([r for r in a.runs if r[0] == "tick"]) + 1), "a did not tick")
        assert set(ticks) == {"a"}
    finally:
        await a.stop()
        await b.stop()
        await other_process.dispose()


@pytest.mark.parametrize("url, expected", [
    ("sqlite+aiosqlite:////srv/kairyl/data/kairyl.db", "sqlite:////srv/kairyl/data/kairyl.jobs.db"),
    ("sqlite+aiosqlite:///data/kairyl.db", "sqlite:///data/kairyl.jobs.db"),
    ("postgresql+asyncpg://kairyl:s3cr%40t@db.local:5432/kairyl", "postgresql+psycopg://kairyl:s3cr%40t@db.local:5432/kairyl"),
])
def test_the_job_store_gets_a_synchronous_url(url, expected):
    engine = job_store_engine(url)
    try:
        assert engine.url.render_as_string(hide_password=False) == expected
        assert make_url(expected).password == make_url(url).password
    finally:
        engine.dispose()


async def test_the_service_log_is_not_buried_under_job_runs():
    """APScheduler logs two INFO lines per job run, and the broadcasts job runs every 2 s: the service's
    logging (bot/ops/logs.configure_logging) keeps them out, and still shows a job that fails."""
    from bot.ops import logs

    quiet = {name: logging.getLogger(name).level for name in logs.QUIET_LOGGERS}
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append
    logging.getLogger().addHandler(handler)
    scheduler = AsyncIOScheduler(timezone=UTC)
    ran = asyncio.Event()
    finished: list[str] = []  # APScheduler tells its listeners after it has logged the run
    scheduler.add_listener(lambda event: finished.append(event.job_id), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    async def fine() -> None:
        ran.set()

    async def broken() -> None:
        raise RuntimeError("the job failed")

    try:
        logs.configure_logging("INFO")
        scheduler.start()
        # however late a loaded machine runs them (APScheduler's default grace is 1 s)
        jobs_ = [scheduler.add_job(fine, misfire_grace_time=None), scheduler.add_job(broken, misfire_grace_time=None)]
        await within(ran.wait(), "the job did not run")
        await eventually(lambda: len(finished) == len(jobs_), "the jobs' runs were not logged")
    finally:
        scheduler.shutdown(wait=False)
        logging.getLogger().removeHandler(handler)
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)
    executor = [r for r in records if r.name.startswith("apscheduler.executors")]
    assert not [r for r in executor if r.levelno < logging.WARNING], [r.getMessage() for r in executor]
    assert [r.levelno for r in executor if "the job failed" in str(r.exc_info)] == [logging.ERROR]
