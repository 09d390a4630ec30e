"""The back office's search in request descriptions goes through a trigram index (storage/text_search.py):
FTS5 on SQLite, pg_trgm on PostgreSQL. It finds what a LIKE '%…%' found, keeps up with new and changed
requests, is rebuilt by the migration over requests already stored, and without a usable index (a
PostgreSQL database whose LC_CTYPE is C) the search still works by reading."""

import logging

import pytest
import sqlalchemy as sa

from handlers.demo import do_load_demo
from handlers.staff import views
from handlers.staff.views import RequestFilters
from storage import text_search
from storage.db import Database
from storage.migrate import migrate
from storage.models import Request
from storage.text_search import FTS_TABLE, PG_INDEX, SearchTextContains
from tests.staff_world import build_world
from tests.test_migrations import empty_pg_database


@pytest.fixture
async def world(db):
    return await build_world(db)


async def found(world, text: str) -> set[int]:
    head = await world.actor("head")
    return {row.id for row in (await world.desk.list_requests(head, RequestFilters(text=text), per_page=50)).rows}


async def plan_of(db: Database, needle: str) -> str:
    """The plan of a search for ``needle``; on PostgreSQL with sequential scans priced out, so a tiny
    test table still shows whether an index *can* answer it."""
    query = sa.select(Request.id).where(SearchTextContains(Request.search_text, Request.id, needle))
    async with db.engine.connect() as connection:
        compiled = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
        if db.is_sqlite:
            rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
            return "\n".join(row[-1] for row in rows)
        await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # ends with this transaction
        return "\n".join(row[0] for row in await connection.exec_driver_sql(f"EXPLAIN {compiled}"))


async def test_pieces_of_descriptions_are_found_through_the_index(world):
    resident = await world.resident()
    hole = await world.request_of(resident, "Чуңкур жолдо, суу агып жатат")
    water = await world.request_of(resident, "Нет воды, дом 5")
    odd = await world.request_of(resident, 'Фонарь "у школы" горит на 100%_ всю ночь')

    assert await found(world, "чуңкур") == {hole.id}  # Kyrgyz letters
    assert await found(world, "СУУ АГ") == {hole.id}  # any case, across a space
    assert await found(world, "оды") == {water.id}  # a piece of a word
    assert await found(world, '"у школы"') == {odd.id}  # quotes are text, not search syntax
    assert await found(world, "100%_") == {odd.id}  # and so are LIKE's wildcards
    assert await found(world, "50%") == set()
    assert await found(world, "ы,") == {water.id}  # two characters hold no trigram: read, still found
    assert await found(world, "яма") == set()

    plan = await plan_of(world.db, "чуңкур")
    assert ("VIRTUAL TABLE INDEX" in plan and FTS_TABLE in plan) if world.db.is_sqlite else PG_INDEX in plan, plan


async def test_the_index_follows_new_and_changed_requests(world):
    resident = await world.resident()
    first = await world.request_of(resident, "Арыкта таштанды")
    assert await found(world, "таштанды") == {first.id}

    async with world.db.transaction() as session:
        stored = await session.get(Request, first.id)
        stored.description = "Арык тазаланды"
        stored.index_for_search()
    assert await found(world, "таштанды") == set()
    assert await found(world, "тазаланды") == {first.id}

    second = await world.request_of(resident, "Дагы таштанды")
    assert await found(world, "таштанды") == {second.id}
    assert await found(world, second.ticket[-6:]) == {second.id}  # the ticket is in the searched text


async def test_the_migration_indexes_the_requests_already_stored(world):
    resident = await world.resident()
    older = await world.request_of(resident, "Көпүрө бузулуп калды")

    await migrate(world.db, "0006", downgrade=True)
    assert await search_index_present(world.db) is False
    await migrate(world.db)
    assert await search_index_present(world.db) is True

    assert await found(world, "көпүрө") == {older.id}
    newer = await world.request_of(resident, "Көпүрө дагы бузулду")  # and it keeps up after the rebuild
    assert await found(world, "көпүрө") == {older.id, newer.id}


async def search_index_present(db: Database) -> bool:
    async with db.engine.connect() as connection:
        if db.is_sqlite:
            names = await connection.run_sync(lambda c: sa.inspect(c).get_table_names())
            return FTS_TABLE in names
        indexes = await connection.run_sync(lambda c: sa.inspect(c).get_indexes("requests"))
        return PG_INDEX in {index["name"] for index in indexes}


@pytest.fixture
async def c_ctype_world():
    """A PostgreSQL database whose LC_CTYPE is C, as a cluster made with ``initdb --locale=C`` has."""
    async with empty_pg_database("kairyl_ctype", "TEMPLATE template0 LC_CTYPE 'C' LC_COLLATE 'C'") as database:
        yield database


async def test_without_a_letter_aware_ctype_postgresql_has_no_index_and_still_finds(c_ctype_world, caplog):
    with caplog.at_level(logging.WARNING, logger="storage.text_search"):
        await migrate(c_ctype_world)
    assert "LC_CTYPE is C" in caplog.text
    assert await search_index_present(c_ctype_world) is False

    async with c_ctype_world.transaction() as session:
        await do_load_demo(session)
    world = await build_world(c_ctype_world)
    resident = await world.resident()
    hole = await world.request_of(resident, "Чуңкур жолдо")
    assert await found(world, "ЧУҢКУР") == {hole.id}


async def test_each_way_of_finding_gives_the_newest_matches_in_scope(world, monkeypatch):
    """PostgreSQL first reads the newest requests in scope and, when the word is rare among them, asks the
    index (storage.text_search.newest_matches); every way gives the same newest matches, within the scope."""
    monkeypatch.setattr(text_search, "RECENT_WINDOW", 4)
    monkeypatch.setattr(text_search, "DENSE", 0.5)  # 2 of the newest 4
    monkeypatch.setattr(views, "TEXT_COUNTED", 2)  # 2 per page: 3 matches are enough
    resident, neighbour = await world.resident(), await world.resident(quarter="2")
    made = {}
    for n, (who, text) in enumerate([(resident, "арык 1"), (neighbour, "арык 2"), (resident, "көпүрө 3"),
                                     (resident, "арык 4"), (resident, "көпүрө 5"), (resident, "жол 6"),
                                     (resident, "жол суу 7"), (resident, "арык 8"), (resident, "жол суу 9")]):
        made[n + 1] = (await world.request_of(who, text)).id
    kvartalkom = await world.actor("kvartalkom")  # sees quarter 1 only: not "арык 2"
    statements = []
    sa.event.listen(world.db.read_engine.sync_engine, "before_cursor_execute",
                    lambda _c, _cu, statement, *_a: statements.append(statement))

    async def newest(needle: str) -> tuple[list[int], int, bool]:
        """The page's ids, how many statements searched, whether the index was asked for its bitmap."""
        statements.clear()
        page = await world.desk.list_requests(kvartalkom, RequestFilters(text=needle), per_page=2)
        searches = sum("LIKE" in statement for statement in statements)
        return [row.id for row in page.rows], searches, any("enable_indexscan = off" in s for s in statements)

    postgresql = not world.db.is_sqlite
    # the newest 4 (9, 8, 7, 6) hold 3 "жол": enough, nothing more is read
    assert await newest("жол") == ([made[9], made[7]], 1, False)
    # they hold 2 "суу": common here, read on newest first
    assert await newest("суу") == ([made[9], made[7]], 1 + postgresql, False)
    # they hold 1 "арык", and none "көпүрө": rare here, the index's matches in scope
    assert await newest("арык") == ([made[8], made[4]], 1 + postgresql, postgresql)
    assert await newest("көпүрө") == ([made[5], made[3]], 1 + postgresql, postgresql)
