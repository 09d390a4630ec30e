"""Kairyl: the composition root. The one place that reads settings and wires the parts.

    python main.py serve                  the service (Telegram if a token is set, scheduler, delivery)
    python main.py chat [--as NAME]       the resident dialogs in this terminal (no token needed)
    python main.py admin …                set up municipalities, places, categories, staff (see --help)
    python main.py db upgrade|downgrade   apply or roll back database migrations
    python main.py legal export|import F  the legal answer base as CSV
    python main.py intake-worker …        started by `serve` when INTAKE_WORKERS > 0 (bot/workers.py)
"""

import argparse
import asyncio
import contextlib
import gc
import getpass
import logging
import signal
import sys
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path

from aiohttp import web
from sqlalchemy.engine import make_url

from bot.delivery.worker import DeliveryWorker
from bot.intake import IntakeQueue
from bot.workers import IntakeWorkers, ParentPipe, die_with_parent, owned_by
from handlers.config import CoreConfig
from handlers.conversation import ConversationCore
from handlers.demo import do_load_demo
from handlers.engine.feature import JobContext, ScheduledJob
from handlers.features import FEATURE_SET
from handlers.legal.desk import LegalDesk
from handlers.staff.desk import StaffDesk
from handlers.services.deadlines import DeadlineRule
from settings import Settings
from storage.db import Database
from storage.enums import Channel, Language
from storage.migrate import migrate

log = logging.getLogger("kairyl")
GC_YOUNG_THRESHOLD = 10_000
"""A server allocates many short-lived objects per message; collecting the young generation every
10,000 allocations instead of 700 cut the collector's time in the request flow from 2.8 s to 0.5 s
per 2,400 updates (bench/telegram_flow.py)."""


def run(coroutine):
    """Runs a long-lived command: uvloop's event loop (when installed) and the collector tuned as above."""
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)
    try:
        from uvloop import new_event_loop
    except ImportError:
        new_event_loop = None
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(coroutine)


def config_from(settings: Settings) -> CoreConfig:
    return CoreConfig(features=FEATURE_SET,
                      deadline_rule=DeadlineRule.parse(settings.deadline_rule),
                      dialog_timeout=timedelta(minutes=settings.dialog_timeout_minutes),
                      remind_before=timedelta(hours=settings.remind_before_hours),
                      escalate_before=timedelta(hours=settings.escalate_before_hours),
                      watch_every=timedelta(minutes=settings.deadline_watch_minutes),
                      digest_time=settings.digest_time,
                      quiet_hours=parse_quiet_hours(settings.quiet_hours),
                      legal_deadline_rule=DeadlineRule.parse(settings.legal_deadline_rule),
                      lawyers_chat=settings.lawyers_chat or None,
                      lawyers_chat_language=Language(settings.lawyers_chat_language),
                      municipality_of_address={f"telegram:{token.split(':')[0]}:": code.upper()
                                               for code, token in settings.telegram_bots.items()})


def parse_quiet_hours(value: str) -> tuple[time, time] | None:
    """``22:00-08:00`` → (22:00, 08:00); empty → None."""
    if not value.strip():
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError as error:
        raise SystemExit(f"QUIET_HOURS must look like 22:00-08:00, not {value!r}") from error
    return start, end


def telegram_tokens(settings: Settings) -> list[str]:
    """The single TELEGRAM_BOT_TOKEN (if set) and those of TELEGRAM_BOTS, each once."""
    tokens = [settings.telegram_bot_token.get_secret_value()] if settings.telegram_bot_token else []
    return list(dict.fromkeys(tokens + list(settings.telegram_bots.values())))


async def open_database(settings: Settings) -> Database:
    """Opens the database, upgrades its schema, and loads the demo municipality if asked."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    await migrate(db)
    if settings.load_demo:
        async with db.transaction() as session:
            if await do_load_demo(session):
                log.info("loaded the demo municipality (Alamudun, code ALM)")
    return db


@dataclass
class Service:
    """Everything that runs in `serve`, built from settings; tests build it the same way."""

    settings: Settings
    db: Database
    core: ConversationCore
    worker: DeliveryWorker
    intake: IntakeQueue
    http: web.Application
    bots: dict = field(default_factory=dict)
    jobs: list[ScheduledJob] = field(default_factory=list)
    """The scheduled jobs: the conversation core's and every feature's (run by the scheduler lease holder)."""
    desk: StaffDesk | None = None
    legal_desk: LegalDesk | None = None
    workers: IntakeWorkers | None = None
    """The intake worker processes this service started (INTAKE_WORKERS > 0)."""
    worker_of: tuple[int, int] | None = None
    """(index, count) when this process is itself an intake worker: it runs the intake only."""
    closers: list = field(default_factory=list)
    background: list = field(default_factory=list)
    stop_event: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        if self.worker_of is not None:
            self._tasks = [asyncio.create_task(self.intake.run(), name="intake")]
            self._tasks[0].add_done_callback(_report_crash)
            return
        from scheduler.host import SchedulerHost

        self._runner = web.AppRunner(self.http)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.http_host, self.settings.http_port)
        await site.start()
        # Every process builds a host; only the one holding the scheduler lease runs the jobs.
        self.scheduler = SchedulerHost(self.db, self.jobs, timezone=self.core.config.timezone)
        await self.scheduler.start()
        if self.workers is not None:
            await self.workers.start()
        self._tasks = [asyncio.create_task(self.worker.run(), name="delivery")]
        if self.workers is None:  # with workers, this process only records and hands over
            self._tasks.append(asyncio.create_task(self.intake.run(), name="intake"))
        self._tasks += [asyncio.create_task(job(), name="channel") for job in self.background]
        for task in self._tasks:
            task.add_done_callback(_report_crash)
        log.info("Kairyl is running: http://%s:%s/healthz", self.settings.http_host, self.settings.http_port)

    def job(self, job_id: str) -> ScheduledJob:
        return next(job for job in self.jobs if job.id == job_id)

    async def stop(self) -> None:
        self.stop_event.set()
        self.worker.stop()
        self.intake.stop()
        if self.worker_of is None:
            await self.scheduler.stop()
        if self.workers is not None:
            await self.workers.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.worker_of is None:
            await self._runner.cleanup()
        for bot in self.bots.values():
            await bot.session.close()
        for close in self.closers:
            await close()
        await self.db.dispose()


def _report_crash(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.critical("background task %s died", task.get_name(), exc_info=task.exception())


async def _health(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def build_service(settings: Settings, *, worker_of: tuple[int, int] | None = None) -> Service:
    """The service; or, with ``worker_of``, one of its intake worker processes (see bot/workers.py)."""
    db = await open_database(settings) if worker_of is None else Database(settings.database_url)
    worker = DeliveryWorker(db, {})
    core = ConversationCore(db, config_from(settings), on_outbox=worker.wake)
    workers = None
    if worker_of is not None:
        intake = IntakeQueue(db, {}, apologize=core.apologize, owns=owned_by(*worker_of))
    elif settings.intake_workers > 0:
        workers = IntakeWorkers(settings.intake_workers, settings.as_json(), on_outbox=worker.wake)
        intake = IntakeQueue(db, {}, apologize=core.apologize, owns=lambda _key: False, forward=workers.forward)
    else:
        intake = IntakeQueue(db, {}, apologize=core.apologize)
    http = web.Application()
    http.router.add_get("/healthz", _health)
    service = Service(settings, db, core, worker, intake, http, workers=workers, worker_of=worker_of)
    service.jobs = core.jobs() + FEATURE_SET.jobs(JobContext(db, core.config, worker.wake))
    service.desk = StaffDesk(db, config_from(settings), on_outbox=worker.wake)
    service.legal_desk = LegalDesk(db, config_from(settings), on_outbox=worker.wake)
    await _wire_whatsapp(service)
    if not telegram_tokens(settings):
        log.warning("TELEGRAM_BOT_TOKEN is not set: the Telegram channel is off. "
                    "Try the resident dialogs with `python main.py chat`.")
    else:
        await _wire_telegram(service)
    if worker_of is None:
        _wire_backoffice(service)
    return service


def _wire_backoffice(service: Service) -> None:
    """The web back office under /office/ (after the channels: it fetches residents' files through them)."""
    from backoffice.web import PREFIX, build_office
    from backoffice.web.media import attachment_fetcher
    from backoffice.web.office import Office
    from handlers.initiatives.desk import HearingDesk

    settings = service.settings
    twilio = ((settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value())
              if settings.twilio_account_sid and settings.twilio_auth_token else None)
    desk = service.desk
    fetch = attachment_fetcher(bots=service.bots, twilio_api_url=settings.twilio_api_url, twilio_credentials=twilio)
    secure = bool(settings.public_url and settings.public_url.startswith("https://"))
    hearings = HearingDesk(service.db, desk.config, on_outbox=service.worker.wake)
    service.http.add_subapp(PREFIX, build_office(Office(desk, service.db, fetch_attachment=fetch,
                                                        secure_cookies=secure, hearings=hearings,
                                                        legal=service.legal_desk)))


async def _wire_telegram(service: Service) -> None:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    from bot.telegram.dispatcher import build_dispatcher, processor
    from bot.telegram.polling import poll
    from bot.telegram.responses import pin_response_models
    from bot.telegram.sender import TelegramSender
    from bot.telegram.webhook import add_webhook_routes, register_webhook
    from handlers.legal.chat import LegalChat
    from handlers.staff.chat import StaffChat

    settings = service.settings
    api = TelegramAPIServer.from_base(settings.telegram_api_url)
    bots = [Bot(token, session=AiohttpSession(api=api)) for token in telegram_tokens(settings)]
    service.bots = {bot.id: bot for bot in bots}
    pin_response_models()
    service.worker.senders[Channel.TELEGRAM] = TelegramSender(
        service.bots, per_bot_per_second=settings.telegram_per_bot_per_second,
        per_chat_interval=settings.telegram_per_chat_interval)
    lawyers = ([LegalChat(service.db, service.legal_desk, settings.lawyers_chat,
                          language=service.core.config.lawyers_chat_language, on_outbox=service.worker.wake)]
               if settings.lawyers_chat else [])
    staff_chat = StaffChat(service.db, service.desk, on_outbox=service.worker.wake, others=lawyers)
    service.intake.processors[Channel.TELEGRAM] = processor(build_dispatcher(service.core, staff_chat), service.bots)
    if service.worker_of is not None:
        return  # the service polls, or hears the webhook, and hands the updates over
    if settings.telegram_mode == "polling":
        for bot in bots:
            service.background.append(lambda bot=bot: poll(bot, service.intake, stop=service.stop_event))
        return
    if not settings.public_url or settings.telegram_webhook_secret is None:
        raise SystemExit("TELEGRAM_MODE=webhook needs PUBLIC_URL and TELEGRAM_WEBHOOK_SECRET")
    secret = settings.telegram_webhook_secret.get_secret_value()
    add_webhook_routes(service.http, service.bots, service.intake, secret)
    for bot in bots:
        await register_webhook(bot, settings.public_url, secret)


async def _wire_whatsapp(service: Service) -> None:
    settings = service.settings
    needed = {"TWILIO_ACCOUNT_SID": settings.twilio_account_sid, "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
              "TWILIO_WHATSAPP_FROM": settings.twilio_whatsapp_from, "PUBLIC_URL": settings.public_url}
    missing = [name for name, value in needed.items() if not value]
    if missing:
        log.warning("WhatsApp is off: %s not set (see README, 'WhatsApp through Twilio').", ", ".join(missing))
        return
    from twilio.http.async_http_client import AsyncTwilioHttpClient
    from twilio.rest import Client

    from bot.whatsapp.sender import WhatsAppSender
    from bot.whatsapp.webhook import STATUS_PATH, add_whatsapp_routes, processor
    from handlers.services.delivery_reports import do_record_delivery_report

    token = settings.twilio_auth_token.get_secret_value()
    client = Client(settings.twilio_account_sid, token, http_client=AsyncTwilioHttpClient())
    client.api.base_url = settings.twilio_api_url
    service.closers.append(client.http_client.close)
    sender_number = settings.twilio_whatsapp_from
    if not sender_number.startswith("whatsapp:"):
        sender_number = "whatsapp:" + sender_number
    service.worker.senders[Channel.WHATSAPP] = WhatsAppSender(
        client, sender_number, status_callback=settings.public_url.rstrip("/") + STATUS_PATH,
        templates=settings.twilio_templates, messages_per_second=settings.whatsapp_messages_per_second)
    service.intake.processors[Channel.WHATSAPP] = processor(service.core.handle)

    async def record_status(sid: str, report: str, code: int | None, outcome) -> bool:
        async with service.db.transaction() as session:
            return await do_record_delivery_report(session, Channel.WHATSAPP, sid, report,
                                                   error_code=code, outcome=outcome)

    add_whatsapp_routes(service.http, auth_token=token, public_url=settings.public_url, intake=service.intake,
                        record_status=record_status)
    log.info("WhatsApp through Twilio is on, sending as %s", sender_number)


async def serve(settings: Settings) -> None:
    service = await build_service(settings)
    await service.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signame in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signame, stop.set)
    await stop.wait()
    log.info("stopping")
    await service.stop()


async def intake_worker(index: int, count: int) -> None:
    """One intake worker process: its settings and items come from the service on stdin."""
    die_with_parent()
    pipe = ParentPipe()
    settings = Settings(_env_file=None, **await pipe.open())
    service = await build_service(settings, worker_of=(index, count))
    service.worker.also_wake.append(pipe.outbox_written)
    await service.start()
    pipe.ready()
    feeding = asyncio.create_task(pipe.feed(service.intake))
    terminated = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, terminated.set)
    await asyncio.wait([feeding, asyncio.create_task(terminated.wait())], return_when=asyncio.FIRST_COMPLETED)
    await service.stop()


async def chat(settings: Settings, name: str) -> None:
    from bot.console.channel import ConsoleSender, chat_loop

    db = await open_database(settings)
    worker = DeliveryWorker(db, {Channel.CONSOLE: ConsoleSender()})
    core = ConversationCore(db, config_from(settings))
    try:
        await chat_loop(core, worker.deliver_due, f"console:{name}")
    finally:
        await db.dispose()


async def legal_base(settings: Settings, action: str, path: str) -> int:
    """Exports the published legal answers to a CSV file, or imports one (see handlers/legal/transfer.py)."""
    from handlers.legal.transfer import do_import_csv, export_csv
    from storage.types import utcnow

    db = await open_database(settings)
    try:
        if action == "export":
            async with db.reader() as session:
                Path(path).write_text(await export_csv(session), encoding="utf-8")
            return 0
        async with db.transaction() as session:
            report = await do_import_csv(session, Path(path).read_text(encoding="utf-8"), utcnow())
        for error in report.errors:
            print(error, file=sys.stderr)
        print(f"added {report.added}, replaced {report.replaced}, personal data removed {report.anonymised}")
        return 1 if report.errors else 0
    finally:
        await db.dispose()


async def database(settings: Settings, action: str, revision: str) -> None:
    db = Database(settings.database_url)
    try:
        await migrate(db, revision, downgrade=action == "downgrade")
    finally:
        await db.dispose()


QUIET_LOGGERS = ("aiogram.event", "apscheduler.executors.default")
"""A line per update (aiogram) and two per job run (APScheduler: the broadcasts job runs every
2 s), which would bury what an operator needs to see; their warnings and errors still show."""


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="main.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the service")
    chat_parser = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat_parser.add_argument("--as", dest="name", default=getpass.getuser(), help="who you are (an address)")
    db_parser = commands.add_parser("db", help="database migrations")
    db_parser.add_argument("action", choices=["upgrade", "downgrade"])
    db_parser.add_argument("revision", nargs="?", default=None)
    legal_parser = commands.add_parser("legal", help="export or import the legal answer base (CSV)")
    legal_parser.add_argument("action", choices=["export", "import"])
    legal_parser.add_argument("file")
    admin_parser = commands.add_parser("admin", help="set up municipalities, places, staff", add_help=False)
    admin_parser.add_argument("rest", nargs=argparse.REMAINDER)
    worker_parser = commands.add_parser("intake-worker", help=argparse.SUPPRESS)
    worker_parser.add_argument("--index", type=int, required=True)
    worker_parser.add_argument("--of", type=int, required=True)
    args = parser.parse_args(argv)

    settings = Settings()
    command = args.command or "serve"
    level = "WARNING" if command in ("chat", "admin") else settings.log_level.upper()
    configure_logging(level)
    if command == "intake-worker":  # Ctrl-C is for the service, which stops its workers
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        run(intake_worker(args.index, args.of))
        return
    with contextlib.suppress(KeyboardInterrupt):
        if command == "serve":
            run(serve(settings))
        elif command == "chat":
            asyncio.run(chat(settings, args.name))
        elif command == "db":
            revision = args.revision or ("head" if args.action == "upgrade" else "-1")
            asyncio.run(database(settings, args.action, revision))
        elif command == "legal":
            sys.exit(asyncio.run(legal_base(settings, args.action, args.file)))
        elif command == "admin":
            from backoffice.admin_cli import run_admin

            sys.exit(asyncio.run(run_admin(args.rest, lambda: open_database(settings))))


if __name__ == "__main__":
    main()
