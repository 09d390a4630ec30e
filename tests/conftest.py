"""Databases for the tests: every test that asks for ``db`` runs on SQLite and on PostgreSQL.

A migrated database with the demo municipality is built once per session and copied
per test (a file copy for SQLite, ``CREATE DATABASE … TEMPLATE`` for PostgreSQL).
PostgreSQL comes from ``KAIRYL_TEST_PG_URL`` (scripts/test.sh starts a server on
127.0.0.1 and sets it); with ``KAIRYL_REQUIRE_PG=1`` a missing server fails the run
instead of skipping.
"""

import asyncio
import itertools
import os
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from handlers.demo import do_load_demo
from storage.db import Database
from storage.migrate import migrate

_counter = itertools.count()


def run_in_thread(coroutine) -> None:
    """Runs a coroutine to completion in its own thread and loop (safe inside a running loop)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


async def build_template(url: str) -> None:
    db = Database(url)
    try:
        await migrate(db)
        async with db.transaction() as session:
            await do_load_demo(session)
    finally:
        await db.dispose()


def pg_base_url() -> str | None:
    url = os.environ.get("KAIRYL_TEST_PG_URL")
    if not url and os.environ.get("KAIRYL_REQUIRE_PG") == "1":
        pytest.fail("KAIRYL_REQUIRE_PG=1 but KAIRYL_TEST_PG_URL is not set: start PostgreSQL with scripts/pg.sh")
    return url


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url)
    if database:
        parsed = parsed.set(database=database)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_admin(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    run_in_thread(build_template(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_template() -> str | None:
    base = pg_base_url()
    if base is None:
        yield None
        return
    name = f"kairyl_tpl_{uuid.uuid4().hex[:8]}"
    run_in_thread(_pg_admin(base, f'CREATE DATABASE "{name}"'))
    run_in_thread(build_template(make_url(base).set(database=name).render_as_string(hide_password=False)))
    yield name
    run_in_thread(_pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "kairyl.db"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    if template is None:
        pytest.skip("PostgreSQL is not configured (KAIRYL_TEST_PG_URL)")
    base = pg_base_url()
    name = f"kairyl_t{os.getpid()}_{next(_counter)}"
    await _pg_admin(base, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    await _pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def db(db_url: str) -> Database:
    database = Database(db_url)
    yield database
    await database.dispose()


TELEGRAM_TOKEN = "123456:TEST-kairyl-token"


@pytest.fixture
async def fake_api():
    """A fake Telegram Bot API on 127.0.0.1 with the test bot's token registered."""
    from tests.fakes.telegram_api import FakeTelegramAPI

    api = FakeTelegramAPI()
    await api.start()
    api.add_bot(TELEGRAM_TOKEN)
    yield api
    await api.stop()


class RecordingExecutor(ThreadPoolExecutor):
    """The event loop's default executor, noting every job handed to a thread."""

    def __init__(self) -> None:
        super().__init__(max_workers=2)
        self.jobs: list[str] = []

    def submit(self, fn, /, *args, **kwargs):
        self.jobs.append(repr(args[0] if args else fn)[:300])  # asyncio.to_thread hands over ctx.run(func, …)
        return super().submit(fn, *args, **kwargs)


@pytest.fixture
async def no_thread_hops():
    """Fails the test if anything ran in the loop's default executor (aiogram runs a plain callable
    filter or handler there, one thread hop per update: a cost the service does not pay)."""
    executor = RecordingExecutor()
    asyncio.get_running_loop().set_default_executor(executor)
    yield executor
    assert executor.jobs == []
