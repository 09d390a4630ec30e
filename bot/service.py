"""The running service (`main.py serve`): its parts and their lifecycle, start and stop.

main.py builds a ``Service`` from settings (``build_service``) and starts it; tests build it the
same way. Each instance of a deployment (one on SQLite; any number on one PostgreSQL) runs the
HTTP server (webhooks, the back office, /healthz), the delivery worker, the intake, the channels'
background jobs (polling) and a scheduler host, which runs the scheduled jobs while it holds the
scheduler lease. On PostgreSQL the instances wake each other on new work (``bot/wakeups.py``).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot.channels import Channels
from bot.delivery.worker import DeliveryWorker
from bot.intake import IntakeQueue
from bot.wakeups import INTAKE, OUTBOX, Wakeups
from handlers.conversation import ConversationCore
from handlers.engine.feature import ScheduledJob
from handlers.errors import ConfigurationError
from handlers.legal.desk import LegalDesk
from handlers.staff.desk import StaffDesk
from settings import Settings
from storage.db import Database

log = logging.getLogger("kairyl")


@dataclass
class Service:
    """Everything that runs in `serve`, built from settings; tests build it the same way."""

    settings: Settings
    db: Database
    core: ConversationCore
    worker: DeliveryWorker
    intake: IntakeQueue
    http: web.Application
    channels: Channels = field(default_factory=Channels)
    jobs: list[ScheduledJob] = field(default_factory=list)
    """The scheduled jobs: the conversation core's and every feature's (run by the scheduler lease holder)."""
    desk: StaffDesk | None = None
    legal_desk: LegalDesk | None = None
    wakeups: Wakeups | None = None
    """PostgreSQL: the instances' wake-ups (LISTEN/NOTIFY)."""
    stop_event: asyncio.Event = field(default_factory=asyncio.Event)
    started: bool = False
    """True once ``start`` has run (readiness, bot/ops/routes.py)."""
    on_started: list[Callable[[str], Awaitable[None]]] = field(default_factory=list)
    """Called with the service's base URL (PUBLIC_URL, or the address it listens on) once it listens."""

    async def start(self) -> None:
        from scheduler.host import SchedulerHost

        self._runner = web.AppRunner(self.http)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.http_host, self.settings.http_port)
        try:
            await site.start()
        except OSError as error:
            await self._runner.cleanup()
            host, port = self.settings.http_host, self.settings.http_port
            raise ConfigurationError(
                f"cannot listen on {host}:{port} ({error.strerror or error}): another program, or another Kairyl, "
                f"holds the port; set HTTP_PORT (or HTTP_HOST) in .env or the environment") from error
        # Every process builds a host; only the one holding the scheduler lease runs the jobs. The lease
        # is the instance's (renewed by its heartbeat): a dead instance's is taken over within seconds.
        instance = self.worker.instance
        self.scheduler = SchedulerHost(self.db, self.jobs, timezone=self.core.config.timezone, holder=instance.id,
                                       lease_ttl=instance.ttl, renew_every=instance.ttl / 4)
        await self.scheduler.start()
        self._tasks = [asyncio.create_task(self.worker.run(), name="delivery"),
                       asyncio.create_task(self.intake.run(), name="intake")]
        if self.db.dialect == "postgresql":
            wakeups = self.wakeups = Wakeups(self.settings.database_url,
                                             {INTAKE: self.intake.wake, OUTBOX: self.worker.wake_here})
            self.intake.also_wake.append(lambda: wakeups.notify(INTAKE))
            self.worker.also_wake.append(lambda: wakeups.notify(OUTBOX))
            self._tasks.append(asyncio.create_task(self.wakeups.run(), name="wakeups"))
        self._tasks += [asyncio.create_task(job(), name="channel") for job in self.channels.background]
        for task in self._tasks:
            task.add_done_callback(_report_crash)
        self.started = True
        host, port = self.settings.http_host, self._runner.addresses[0][1]
        log.info("Kairyl is running: http://%s:%s/readyz", host, port, extra={"http_host": host, "http_port": port})
        base = (self.settings.public_url or f"http://{self._runner.addresses[0][0]}:{port}").rstrip("/")
        for started in self.on_started:
            await started(base)

    def dead_tasks(self) -> list[str]:
        """The background tasks that ended while the service runs (they crashed): liveness fails."""
        if self.stop_event.is_set():
            return []
        return [task.get_name() for task in getattr(self, "_tasks", []) if task.done()]

    def job(self, job_id: str) -> ScheduledJob:
        return next(job for job in self.jobs if job.id == job_id)

    async def stop(self) -> None:
        self.stop_event.set()
        self.worker.stop()
        self.intake.stop()
        await self.scheduler.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._runner.cleanup()
        await self.channels.close()
        await self.db.dispose()


def _report_crash(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.critical("background task %s died", task.get_name(), exc_info=task.exception())


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})
