"""The database: engines, SQLite tuning, and units of work.

One unit of work per incoming message or job: ``async with db.transaction() as s``
commits at the end or rolls back on error. Repositories never commit.

SQLite: WAL, ``busy_timeout``, foreign keys on, and write transactions that start
with ``BEGIN IMMEDIATE`` (the driver's deferred default silently loses concurrent
read-then-write updates). Within one process writers also queue on an asyncio lock,
so they wait without SQLite's sleeping busy handler; other processes rely on
``busy_timeout``. Read-only units of work use a deferred ``BEGIN`` on a second
engine so readers never block.

PostgreSQL: the pool checks a connection before use only when it was idle for more than
``PING_AFTER_IDLE`` seconds (the driver's check costs three round trips: a BEGIN, a query, a
ROLLBACK; a connection in steady use is known to be fine, and one that broke meanwhile fails
its unit of work, which the callers retry, and the pool replaces it). Units of work of one
statement (``autocommit``: an INSERT … ON CONFLICT, an UPDATE … RETURNING, atomic alone) run
without BEGIN and COMMIT, two round trips fewer.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Result, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
PING_AFTER_IDLE = 5.0
"""PostgreSQL: a connection idle in the pool longer than this (seconds) is checked before use."""

_Row = TypeVar("_Row")


def _tune_sqlite(engine: AsyncEngine, begin_statement: str) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (pysqlite's implicit BEGIN is deferred and late).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin_statement)


def _ping_when_idle(engine: AsyncEngine, idle: float) -> None:
    """Checks a pooled connection before use if it was idle for more than ``idle`` seconds."""
    @event.listens_for(engine.sync_engine, "checkin")
    def note_idle(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since <= idle:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool throws this one away and takes another
            raise exc.DisconnectionError(f"a pooled connection broke while idle: {error}") from error


class Database:
    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10,
                 ping_after_idle: float = PING_AFTER_IDLE) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        options: dict[str, Any] = {"echo": echo}
        if not self.is_sqlite:
            options.update(pool_size=pool_size, max_overflow=pool_size)
        self.engine = create_async_engine(url, **options)
        self.read_engine = create_async_engine(url, **options) if self.is_sqlite else self.engine
        if self.is_sqlite:
            _tune_sqlite(self.engine, "BEGIN IMMEDIATE")
            _tune_sqlite(self.read_engine, "BEGIN")
            autocommit_engine = self.engine
        else:
            _ping_when_idle(self.engine, ping_after_idle)
            autocommit_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._write_sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)
        self._autocommit_sessions = async_sessionmaker(autocommit_engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write unit of work: commits when the block ends, rolls back on error."""
        async with self._write_lock or nullcontext():
            async with self._write_sessions() as session, session.begin():
                yield session

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncSession]:
        """A write unit of work whose statements each commit on their own: for one statement (an
        INSERT … ON CONFLICT, an UPDATE … RETURNING), which is atomic alone. On PostgreSQL it saves
        the BEGIN and COMMIT round trips; on SQLite it is ``transaction``."""
        async with self._write_lock or nullcontext():
            async with self._autocommit_sessions() as session, session.begin():
                yield session

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A unit of work for reading (on SQLite a deferred transaction that never blocks writers)."""
        async with self._read_sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


async def get_referenced(session: AsyncSession, model: type[_Row], key: Any) -> _Row:
    """``session.get`` for a row that exists by construction: a foreign key points at it (the
    database enforces those), or it was read a moment ago in the same unit of work. Where a row may
    be missing (an id from a button or a URL), use ``session.get`` and raise ``NotFound`` instead."""
    row = await session.get(model, key)
    assert row is not None, f"{model.__name__} {key!r} is referenced, so it exists"
    return row


def rowcount(result: Result[Any]) -> int:
    """The rows an INSERT, UPDATE or DELETE touched. ``AsyncSession.execute`` is typed as returning a
    plain ``Result`` (it lacks ``Session.execute``'s overload for DML); for these it is a ``CursorResult``."""
    return cast(CursorResult[Any], result).rowcount
