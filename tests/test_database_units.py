"""storage/db.py's units of work on PostgreSQL: a pooled connection broken while idle is found
before use, and a unit of one statement commits without a transaction around it."""

import pytest
import sqlalchemy as sa

from storage.db import Database
from storage.models import Instance as InstanceRow
from storage.types import utcnow

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])  # SQLite has no server to lose


async def _break_the_pooled_connections(db_url: str) -> None:
    """What a restart of the server (or a firewall's idle cut) does to the pool's connections."""
    other = Database(db_url)
    try:
        async with other.reader() as session:
            killed = await session.scalar(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    finally:
        await other.dispose()
    assert killed >= 1


async def _reads(db: Database) -> int:
    async with db.reader() as session:
        return await session.scalar(sa.select(sa.literal(1)))


async def test_a_connection_broken_while_idle_is_replaced_before_use(db_url):
    db = Database(db_url, ping_after_idle=0)
    try:
        assert await _reads(db) == 1
        await _break_the_pooled_connections(db_url)
        assert await _reads(db) == 1  # found broken by the check, and replaced
    finally:
        await db.dispose()


async def test_without_the_check_a_connection_in_steady_use_fails_its_unit_once(db_url):
    """Why the check exists at all (and why only after idle it is enough: the pool then replaces it)."""
    db = Database(db_url, ping_after_idle=3600)
    try:
        assert await _reads(db) == 1
        await _break_the_pooled_connections(db_url)
        with pytest.raises(sa.exc.DBAPIError):
            await _reads(db)
        assert await _reads(db) == 1
    finally:
        await db.dispose()


async def test_a_unit_of_one_statement_commits_it_at_once(db):
    """An autocommit unit's statement is visible to others as soon as it ran: no transaction holds it."""
    now = utcnow()
    async with db.autocommit() as session:
        await session.execute(sa.insert(InstanceRow).values(id="one", alive_until=now, started_at=now))
        async with db.reader() as other:  # another connection, while the unit is still open
            seen = await other.scalar(sa.select(sa.func.count()).select_from(InstanceRow).where(InstanceRow.id == "one"))
    assert seen == 1
    async with db.transaction() as session:
        await session.execute(sa.insert(InstanceRow).values(id="two", alive_until=now, started_at=now))
        async with db.reader() as other:
            seen = await other.scalar(sa.select(sa.func.count()).select_from(InstanceRow).where(InstanceRow.id == "two"))
    assert seen == 0  # a transaction's is not
