"""Upgrade (or downgrade) the schema with Alembic, from inside a running event loop."""

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

from storage.db import Database
from storage.text_search import is_search_index

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def kept_by_the_models(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """What Alembic compares with the models: not APScheduler's job store (``apscheduler_jobs``, in the
    same PostgreSQL database), not the text search index (storage/text_search.py), which only the
    migrations keep."""
    return not (type_ == "table" and (name or "").startswith("apscheduler_")) and not is_search_index(name)


async def migrate(db: Database, revision: str = "head", *, downgrade: bool = False) -> None:
    def run(connection: Any) -> None:
        config = alembic_config(db.url)
        config.attributes["connection"] = connection
        if downgrade:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)

    async with db.engine.connect() as connection:
        if not db.is_sqlite:
            async with connection.begin():
                await connection.run_sync(run)
            return
        # SQLite changes a column by rebuilding the table (drop the old, rename the new): with foreign
        # keys on, dropping a table other rows refer to fails. They are off for the migration (a pragma
        # that only takes effect outside a transaction), checked before it commits, and on again after.
        driver: Any = (await connection.get_raw_connection()).driver_connection  # aiosqlite's connection
        await driver.execute("PRAGMA foreign_keys=OFF")
        try:
            async with connection.begin():
                await connection.run_sync(run)
                broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows that refer to nothing: {broken[:5]}")
        finally:
            await driver.execute("PRAGMA foreign_keys=ON")


async def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def read(connection: Any) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with db.engine.connect() as connection:
        return await connection.run_sync(read)


def head_revision() -> str | None:
    """The newest migration this code has (what ``migrate`` upgrades to)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
