"""The index behind the back office's search in request descriptions, and the condition that uses it.

``requests.search_text`` holds "ticket description", case-folded in Python. A search for a piece
of it was ``search_text LIKE '%…%'``, which reads every request in scope. With a million
requests that took 350–500 ms; now a trigram index answers it on both databases:

- SQLite: the FTS5 table ``request_search`` (``tokenize='trigram'``) over ``requests.search_text``,
  external content, kept up to date by three triggers on ``requests``. A table rebuild (Alembic's
  batch mode on SQLite drops and recreates ``requests``) drops the triggers: a migration that
  rebuilds ``requests`` must call :func:`create_search_index` again.
- PostgreSQL: a pg_trgm GIN index, which ``LIKE '%…%'`` uses on its own. pg_trgm takes letters for
  letters only under a UTF-8 ``LC_CTYPE``; under ``C`` it sees no trigram in Kyrgyz or Russian
  text, so there (or where the extension cannot be created) no index is made and the search
  reads every row, as before.

Pieces shorter than three characters hold no trigram: they are always searched by reading.

:func:`newest_matches` picks the plan on PostgreSQL itself. Its planner, given a LIMIT, reads the
newest requests in scope one by one, expecting the word as often there as in the whole table.
For a word common elsewhere and rare in the scope (a water clerk looking for "яма") that reads
the whole scope. SQLite has one plan: read the scope newest first, probing the index's matches.
For a word rare in the scope it reads the whole scope too (about 100 ms for 220,000 requests), but
the other plans measured (the index's matches first, looked up one by one) were no faster.
"""

import logging

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import SQLCoreOperations
from sqlalchemy.sql.expression import ColumnElement

from storage.models import Request

log = logging.getLogger(__name__)

FTS_TABLE = "request_search"
PG_INDEX = "ix_requests_search_trgm"
TRIGRAM = 3
RECENT_WINDOW = 20_000
"""PostgreSQL: how many of the newest requests in scope are read first, to see how common the word is there."""
DENSE = 0.01
"""PostgreSQL: at least this share of them holding the word: go on reading newest first; below it, take
the index's matches in the scope (a bitmap of the index ANDed with the scope's), then sort them."""
SQLITE_TRIGGERS = {
    "requests_search_insert": f"""AFTER INSERT ON requests BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END""",
    "requests_search_delete": f"""AFTER DELETE ON requests BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END""",
    "requests_search_update": f"""AFTER UPDATE OF search_text ON requests BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END""",
}


def is_search_index(name: str | None) -> bool:
    """The FTS5 table and its shadow tables (``request_search_data``…), and the pg_trgm index: kept by
    the migrations, not by the models."""
    return name is not None and (name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_") or name == PG_INDEX)


def create_search_index(connection: sa.Connection) -> None:
    """Creates the index over the requests already stored (used by the migrations)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
                                   "search_text, content='requests', content_rowid='id', tokenize='trigram')")
        for name, body in SQLITE_TRIGGERS.items():
            connection.exec_driver_sql(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
        connection.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    elif connection.dialect.name == "postgresql" and _trigrams_possible(connection):
        connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON requests "
                                   "USING gin (search_text gin_trgm_ops)")


def drop_search_index(connection: sa.Connection) -> None:
    if connection.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {PG_INDEX}")


def _trigrams_possible(connection: sa.Connection) -> bool:
    ctype = connection.exec_driver_sql("SELECT current_setting('lc_ctype')").scalar_one()
    if ctype.upper() in ("C", "POSIX"):
        log.warning("the database's LC_CTYPE is %s: pg_trgm would see no letters in Kyrgyz or Russian text, so the "
                    "search in request descriptions has no index and reads every request (create the database "
                    "with a UTF-8 LC_CTYPE, e.g. C.UTF-8, to have one)", ctype)
        return False
    try:
        with connection.begin_nested():
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as error:
        log.warning("the pg_trgm extension cannot be created (%s): the search in request descriptions has no "
                    "index and reads every request", str(error).splitlines()[0])
        return False
    return True


class SearchTextContains(ColumnElement[bool]):
    """``requests.search_text`` contains ``needle`` (case-folded already), found through the index of this
    module where the database has one. Compiled per dialect, so the core that filters requests stays
    free of the databases' differences."""

    inherit_cache = False  # the needle decides the statement's shape (index or not)
    type = sa.Boolean()

    def __init__(self, search_text: SQLCoreOperations[str], request_id: SQLCoreOperations[int], needle: str):
        self.search_text, self.request_id, self.needle = search_text, request_id, needle

    def like_needle(self) -> sa.ColumnElement[bool]:
        escaped = self.needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return self.search_text.like(f"%{escaped}%", escape="\\")


@compiles(SearchTextContains)
def _compile_like(element: SearchTextContains, compiler, **kw) -> str:
    return compiler.process(element.like_needle(), **kw)


@compiles(SearchTextContains, "sqlite")
def _compile_fts(element: SearchTextContains, compiler, **kw) -> str:
    if len(element.needle) < TRIGRAM:
        return compiler.process(element.like_needle(), **kw)
    phrase = '"' + element.needle.replace('"', '""') + '"'  # an FTS5 string: the needle's trigrams, in a row
    index = sa.table(FTS_TABLE, sa.column("rowid"))
    found = sa.select(index.c.rowid).where(sa.literal_column(FTS_TABLE).op("MATCH")(phrase))
    return compiler.process(sa.and_(element.request_id.in_(found), element.like_needle()), **kw)


NEWEST_FIRST = (Request.created_at.desc(), Request.id.desc())


async def newest_matches(session: AsyncSession, scope: sa.ColumnElement[bool], needle: str, limit: int) -> list[int]:
    """The ids of the requests in ``scope`` whose search text contains ``needle``, newest first, at most ``limit``."""
    contains = SearchTextContains(Request.search_text, Request.id, needle)
    everything = sa.select(Request.id).where(scope, contains).order_by(*NEWEST_FIRST).limit(limit)
    if session.get_bind().dialect.name != "postgresql" or len(needle) < TRIGRAM:
        return list((await session.scalars(everything)).all())
    await session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))  # plan for this needle
    recent = (sa.select(Request.id, Request.created_at, Request.search_text).where(scope)
              .order_by(*NEWEST_FIRST).limit(RECENT_WINDOW).subquery("recent"))
    found = list((await session.scalars(
        sa.select(recent.c.id).where(SearchTextContains(recent.c.search_text, recent.c.id, needle))
        .order_by(recent.c.created_at.desc(), recent.c.id.desc()).limit(limit))).all())
    if len(found) >= limit:
        return found
    if len(found) >= DENSE * RECENT_WINDOW:  # common here: reading on, newest first, soon finds the rest
        return list((await session.scalars(everything)).all())
    await session.execute(sa.text("SET LOCAL enable_indexscan = off"))  # bitmaps: the index's AND the scope's
    try:
        return list((await session.scalars(everything)).all())
    finally:
        await session.execute(sa.text("SET LOCAL enable_indexscan = on"))
