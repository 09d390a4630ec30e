"""The database: engines, SQLite tuning, and units of work.

One unit of work per incoming message or job: ``async with db.transaction() as s``
commits at the end or rolls back on error. Repositories never commit.

SQLite: WAL, ``busy_timeout``, foreign keys on, and write transactions that start
with ``BEGIN IMMEDIATE`` (the driver's deferred default silently loses concurrent
read-then-write updates). Within one process writers also queue on an asyncio lock,
so they wait without SQLite's sleeping busy handler; other processes rely on
``busy_timeout``. Read-only units of work use a deferred ``BEGIN`` on a second
engine so readers never block.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Result, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000

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


class Database:
    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        options: dict[str, Any] = {"echo": echo}
        if not self.is_sqlite:
            options.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        self.engine = create_async_engine(url, **options)
        self.read_engine = create_async_engine(url, **options) if self.is_sqlite else self.engine
        if self.is_sqlite:
            _tune_sqlite(self.engine, "BEGIN IMMEDIATE")
            _tune_sqlite(self.read_engine, "BEGIN")
        self._write_sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)
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
