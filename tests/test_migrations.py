"""Alembic migrations: empty → head → base → head on SQLite and PostgreSQL, and models that match them."""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

import handlers.features  # noqa: F401  (the features' own tables join the models' metadata)
from storage.db import Database
from storage.migrate import alembic_config, current_revision, kept_by_the_models, migrate
from storage.models import Base
from storage.text_search import is_search_index
from tests.conftest import _pg_admin, pg_base_url
from tests.waiting import eventually

MODEL_TABLES = set(Base.metadata.tables)


@pytest.fixture(params=["sqlite", "postgresql"])
async def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """A database with nothing in it: not the migrated template the other tests copy."""
    if request.param == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
        yield database
        await database.dispose()
        return
    async with empty_pg_database("kairyl_mig") as database:
        yield database


@asynccontextmanager
async def empty_pg_database(prefix: str, options: str = "") -> AsyncIterator[Database]:
    """A new PostgreSQL database (``CREATE DATABASE … options``) on the test server, dropped afterwards;
    skips the test when there is no server."""
    base = pg_base_url()
    if base is None:
        pytest.skip("PostgreSQL is not configured (KAIRYL_TEST_PG_URL)")
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    await _pg_admin(base, f'CREATE DATABASE "{name}" {options}')
    database = Database(make_url(base).set(database=name).render_as_string(hide_password=False))
    try:
        yield database
    finally:
        await database.dispose()
        await drop_database(base, name)


async def drop_database(base: str, name: str) -> None:
    """Drops a test database; retried (until the autovacuum worker has left, however long that takes
    on a loaded machine) because an autovacuum worker visiting it makes a non-superuser's
    ``DROP DATABASE … WITH (FORCE)`` fail with InsufficientPrivilegeError."""
    async def dropped() -> bool:
        try:
            await _pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except asyncpg.InsufficientPrivilegeError:
            return False
        return True
    await eventually(dropped, f"the database {name} could not be dropped", interval=0.25)


async def table_names(db: Database) -> set[str]:
    """The tables, but for those of the text search index (tests/test_text_search.py)."""
    async with db.engine.connect() as connection:
        names = await connection.run_sync(lambda c: sa.inspect(c).get_table_names())
    return {name for name in names if not is_search_index(name)}


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def test_upgrade_downgrade_upgrade(fresh_db):
    assert await table_names(fresh_db) == set()
    assert await current_revision(fresh_db) is None

    await migrate(fresh_db)
    assert await table_names(fresh_db) == MODEL_TABLES | {"alembic_version"}
    assert await current_revision(fresh_db) == head_revision()

    await migrate(fresh_db, "base", downgrade=True)
    assert await table_names(fresh_db) <= {"alembic_version"}
    assert await current_revision(fresh_db) is None

    await migrate(fresh_db)
    assert await table_names(fresh_db) == MODEL_TABLES | {"alembic_version"}
    assert await current_revision(fresh_db) == head_revision()
    # The schema is usable, not just present: a write and a read through a unit of work.
    async with fresh_db.transaction() as session:
        await session.execute(sa.text("INSERT INTO holidays (day, name_ky, name_ru) VALUES ('2026-01-01', 'a', 'b')"))
    async with fresh_db.reader() as session:
        assert await session.scalar(sa.text("SELECT count(*) FROM holidays")) == 1


async def test_upgrading_twice_is_a_no_op(fresh_db):
    await migrate(fresh_db)
    await migrate(fresh_db)
    assert await table_names(fresh_db) == MODEL_TABLES | {"alembic_version"}


def _differences(connection: sa.Connection, metadata: sa.MetaData) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "target_metadata": metadata,
                                                              "include_object": kept_by_the_models})
    return compare_metadata(context, metadata)


async def test_models_and_migrations_agree(fresh_db):
    await migrate(fresh_db)
    async with fresh_db.engine.connect() as connection:
        assert await connection.run_sync(_differences, Base.metadata) == []

        # The comparison can see a difference: a model table the migrations never created.
        changed = sa.MetaData()
        for table in Base.metadata.tables.values():
            table.to_metadata(changed)
        sa.Table("not_migrated", changed, sa.Column("id", sa.Integer, primary_key=True))
        differences = await connection.run_sync(_differences, changed)
        assert [d[0] for d in differences] == ["add_table"]


async def test_check_constraints_of_enums_are_migrated(fresh_db):
    """compare_metadata does not look at CHECK constraints, so compare their names directly."""
    await migrate(fresh_db)

    def checks(connection: sa.Connection) -> set[tuple[str, str]]:
        inspector = sa.inspect(connection)
        return {(table, c["name"]) for table in MODEL_TABLES for c in inspector.get_check_constraints(table)}

    expected = {(table.name, c.name) for table in Base.metadata.tables.values()
                for c in table.constraints if isinstance(c, sa.CheckConstraint)}
    assert ("requests", "ck_requests_request_status") in expected
    async with fresh_db.engine.connect() as connection:
        assert await connection.run_sync(checks) == expected

    with pytest.raises(sa.exc.IntegrityError):
        async with fresh_db.transaction() as session:
            await session.execute(sa.text(
                "INSERT INTO intake (channel, external_id, routing_key, status, attempts, received_at) "
                "VALUES ('fax', '1', 'x', 'pending', 0, CURRENT_TIMESTAMP)"))
