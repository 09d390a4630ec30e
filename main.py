"""Kairyl: the composition root. The one place that reads settings and wires the parts.

    python main.py serve                  the service (Telegram if a token is set, scheduler, delivery)
    python main.py chat [--as NAME]       the resident dialogs in this terminal (no token needed)
    python main.py admin …                set up municipalities, places, categories, staff (see --help)
    python main.py db upgrade|downgrade   apply or roll back database migrations
    python main.py legal export|import F  the legal answer base as CSV
    python main.py backup FILE            a copy of the SQLite database, taken while the service runs
    python main.py restore FILE [--force] the SQLite database from such a copy (the service stopped)
"""

import argparse
import asyncio
import contextlib
import gc
import getpass
import logging
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy.engine import make_url

from bot.adapter import Parts
from bot.delivery.worker import DeliveryWorker
from bot.intake import IntakeQueue
from bot.ops.logs import configure_logging
from bot.ops.metrics import Metrics
from bot.ops.routes import add_operations_routes
from handlers.conversation import ConversationCore
from handlers.demo import DEMO_LOGIN, do_add_demo_login, do_load_demo, has_demo_login
from handlers.engine.feature import JobContext
from handlers.errors import ConfigurationError
from handlers.features import FEATURE_SET
from handlers.legal.desk import LegalDesk
from handlers.staff.desk import StaffDesk
from handlers.staff.scans import MAX_UPLOAD_BYTES
from settings import Settings
from storage.backup import PG_DUMP_HINT, BackupError, do_backup, do_restore, serving_lock, sqlite_file
from storage.db import Database
from storage.migrate import migrate

if TYPE_CHECKING:
    from bot.service import Service

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


async def open_database(settings: Settings) -> Database:
    """Opens the database, upgrades its schema, and loads the demo municipality if asked."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    await migrate(db)
    if settings.load_demo:
        async with db.transaction() as session:
            if municipality := await do_load_demo(session):
                log.info("loaded the demo municipality (Alamudun, code ALM)")
                password = await do_add_demo_login(session, municipality)
                log.warning("the demo back office: %s/office/ login %s password %s (shown once)",
                            office_address(settings), DEMO_LOGIN, password)
            elif await has_demo_login(session):
                log.info("the demo back office: %s/office/ login %s (a new password: main.py admin account "
                         "password --login %s)", office_address(settings), DEMO_LOGIN, DEMO_LOGIN)
    return db


def office_address(settings: Settings) -> str:
    return (settings.public_url or f"http://{settings.http_host}:{settings.http_port}").rstrip("/")


async def build_service(settings: Settings) -> "Service":
    """The service: one instance of a deployment (several share one PostgreSQL, see README)."""
    # The channels (aiogram's thousands of types) are imported here, not at the top: the command
    # line's other commands (admin, db, backup…) start without them, in a fraction of the time.
    from bot.channels import plug_in_channels
    from bot.core_config import core_config
    from bot.service import Service, health

    if settings.intake_workers:
        log.warning("INTAKE_WORKERS is no longer used and is ignored: for more CPU cores run more instances "
                    "(`main.py serve` with another HTTP_PORT) on one PostgreSQL; they share the work")
    db = await open_database(settings)
    shared = db.dialect == "postgresql"  # several instances may share it; SQLite runs one process
    worker = DeliveryWorker(db, {}, shared=shared)
    core = ConversationCore(db, core_config(settings), on_outbox=worker.wake_for_replies,
                            on_replies=worker.wake_for_replies)
    intake = IntakeQueue(db, {}, apologize=core.apologize, instance=worker.instance if shared else None)
    http = web.Application(client_max_size=MAX_UPLOAD_BYTES)  # the back office's scans of paper appeals
    http.router.add_get("/healthz", health)
    service = Service(settings, db, core, worker, intake, http)
    service.jobs = core.jobs() + FEATURE_SET.jobs(JobContext(db, core.config, worker.wake))
    service.desk = StaffDesk(db, core_config(settings), on_outbox=worker.wake)
    service.legal_desk = LegalDesk(db, core_config(settings), on_outbox=worker.wake)
    parts = Parts(settings, db, core, service.desk, service.legal_desk, intake, http, worker.wake, service.stop_event,
                  instance=worker.instance)
    service.channels = await plug_in_channels(parts, worker)
    metrics = Metrics()
    metrics.watch(intake, worker)
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    add_operations_routes(http, service, metrics, token=token)
    from backoffice.first_run import offer_first_run
    from backoffice.mount import mount_office

    mount_office(http, db, service.desk, service.legal_desk, public_url=settings.public_url,
                 files=service.channels.files, wake=worker.wake, invitation_ways=service.channels.invitation_ways)
    service.on_started.append(lambda base: offer_first_run(db, base))
    from public.limits import PublicLimits
    from public.mount import mount_public

    limits = PublicLimits(settings.public_reads_per_minute, settings.open311_posts_per_minute,
                          settings.open311_posts_per_key_per_minute)
    mount_public(http, db, service.desk.config, public_url=settings.public_url, wake=worker.wake, limits=limits,
                 page_ttl=settings.public_page_seconds)
    return service


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


@contextlib.contextmanager
def locked_while_serving(settings: Settings) -> Iterator[None]:
    """SQLite: held while the service runs, so that a restore cannot replace the file under it."""
    database = sqlite_file(settings.database_url)
    try:
        with contextlib.nullcontext() if database is None else serving_lock(database):
            yield
    except BackupError as error:
        raise SystemExit(str(error)) from None


def copy_database(settings: Settings, command: str, file: Path, *, force: bool) -> int:
    """`backup FILE` / `restore FILE`: SQLite only; PostgreSQL is pointed to pg_dump."""
    database = sqlite_file(settings.database_url)
    if database is None:
        print(PG_DUMP_HINT, file=sys.stderr)
        return 2
    try:
        if command == "backup":
            done = do_backup(database, file, force=force)
        else:
            done = do_restore(file, database, force=force)
    except BackupError as error:
        print(error, file=sys.stderr)
        return 1
    print(done)
    return 0


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
    for name, what in (("backup", "copy the SQLite database to FILE (while the service runs)"),
                       ("restore", "replace the SQLite database with the backup FILE (the service stopped)")):
        copy_parser = commands.add_parser(name, help=what)
        copy_parser.add_argument("file", type=Path)
        copy_parser.add_argument("--force", action="store_true", help="replace an existing file")
    admin_parser = commands.add_parser("admin", help="set up municipalities, places, staff", add_help=False)
    admin_parser.add_argument("rest", nargs=argparse.REMAINDER)
    args, unknown = parser.parse_known_args(argv)  # `admin --help` and `admin -x …` are the admin's own
    if unknown and args.command != "admin":
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")

    settings = Settings()
    command = args.command or "serve"
    level = {"chat": "ERROR", "admin": "WARNING", "backup": "WARNING", "restore": "WARNING"}.get(
        command, settings.log_level.upper())  # the console's dialog shows no log line but an error
    configure_logging(level, settings.log_format, settings.secrets())
    with contextlib.suppress(KeyboardInterrupt):
        if command == "serve":
            try:
                with locked_while_serving(settings):
                    run(serve(settings))
            except ConfigurationError as error:
                log.error("%s", error)
                sys.exit(2)
        elif command in ("backup", "restore"):
            sys.exit(copy_database(settings, command, args.file, force=args.force))
        elif command == "chat":
            from bot.console.channel import chat
            from bot.core_config import core_config

            asyncio.run(chat(lambda: open_database(settings), core_config(settings), args.name))
        elif command == "db":
            from backoffice.commands import database

            revision = args.revision or ("head" if args.action == "upgrade" else "-1")
            asyncio.run(database(settings.database_url, args.action, revision))
        elif command == "legal":
            from backoffice.commands import legal_base

            sys.exit(asyncio.run(legal_base(lambda: open_database(settings), args.action, args.file)))
        elif command == "admin":
            from backoffice.admin_cli import run_admin_with_links

            sys.exit(asyncio.run(run_admin_with_links(unknown + args.rest, settings, lambda: open_database(settings))))


if __name__ == "__main__":
    main()
