"""Many residents at once: unique ticket numbers, no lost writes, no "database is locked".

The core serialises one conversation at a time (a per-address lock in the process, the
identity row lock or SQLite's ``BEGIN IMMEDIATE`` across processes); different residents
only meet at the ticket counter.
"""

import asyncio
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from handlers.conversation import ConversationCore
from handlers.envelope import Incoming, InputKind, encode_option
from handlers.services.tickets import do_take_ticket_number
from storage.db import Database
from storage.enums import Channel
from storage.models import ChannelIdentity, Municipality, Request, TicketCounter
from tests.core_config import core_config
from tests.harness import Chat, onboard
from tests.waiting import eventually, within

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
RESIDENTS = 100
TICKET = re.compile(r"ALM-2026-\d{6}")
PROCESS_RACERS = 50


def new_core(db: Database) -> ConversationCore:
    return ConversationCore(db, core_config(), clock=lambda: NOW)


async def all_at_once(*coroutines) -> list:
    """Runs the coroutines together; fails with the first error any of them raised (e.g. 'database is locked')."""
    results = await asyncio.gather(*coroutines, return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, f"{len(errors)} of {len(results)} failed, e.g. {errors[0]!r}"
    return results


async def to_confirmation(chat: Chat, index: int) -> None:
    await onboard(chat, language="Кыргызча" if index % 2 else "Русский", quarter=str(index % 8 + 1))
    await chat.press("📝")
    await chat.send("1")  # drinking water
    await chat.send(f"Нет воды, дом {index}")  # then the confirm screen
    assert chat.labels() == (["✅ Жөнөтүү", "✏️ Түрүн өзгөртүү", "✏️ Текстти өзгөртүү", "✏️ Жерин өзгөртүү",
                              "🔒 Жарыялабай жөнөтүү", "✖ Жокко чыгаруу"] if index % 2
                             else ["✅ Отправить", "✏️ Категория", "✏️ Описание", "✏️ Место",
                                   "🔒 Отправить, не публиковать", "✖ Отмена"])


async def stored_tickets(db: Database) -> dict[str, str]:
    """Address → ticket of every stored request (and no address with two)."""
    async with db.reader() as session:
        rows = (await session.execute(
            sa.select(ChannelIdentity.address, Request.ticket)
            .join(ChannelIdentity, ChannelIdentity.person_id == Request.person_id))).all()
    assert len({address for address, _ticket in rows}) == len(rows), "someone has two requests"
    return dict(rows)


def assert_each_got_own_ticket(chats: list[Chat], stored: dict[str, str]) -> None:
    """Tickets ALM-2026-000001 … 0000NN, one per resident, each told their own."""
    assert len(stored) == len(chats)
    assert sorted(stored.values()) == [f"ALM-2026-{n:06d}" for n in range(1, len(chats) + 1)]
    for chat in chats:
        told = TICKET.findall(chat.text)
        assert told == [stored[chat.address]], (chat.address, chat.text)


async def send(chat: Chat) -> None:
    """✅ Send; where a neighbour's open request of the same kind is offered («the same problem?»,
    which depends on whose request was stored first), this resident sends their own."""
    await chat.press("✅")
    if any(label.startswith("📨") for label in chat.labels()):
        await chat.press("📨")


async def test_hundred_residents_press_send_at_the_same_moment(db):
    core = new_core(db)
    chats = [Chat(core, db, f"console:r{i}") for i in range(RESIDENTS)]
    await all_at_once(*(to_confirmation(chat, i) for i, chat in enumerate(chats)))

    await all_at_once(*(send(chat) for chat in chats))

    assert_each_got_own_ticket(chats, await stored_tickets(db))
    for i, chat in enumerate(chats):
        assert ("Кайрылууңуз катталды" if i % 2 else "Ваше обращение зарегистрировано") in chat.text


async def test_hundred_residents_go_through_the_whole_flow_concurrently(db):
    core = new_core(db)
    chats = [Chat(core, db, f"console:w{i}") for i in range(RESIDENTS)]

    async def whole_flow(chat: Chat, index: int) -> None:
        await to_confirmation(chat, index)
        await send(chat)

    await all_at_once(*(whole_flow(chat, i) for i, chat in enumerate(chats)))
    assert_each_got_own_ticket(chats, await stored_tickets(db))


async def test_the_same_button_pressed_twice_concurrently(db):
    core = new_core(db)
    chat = Chat(core, db, "console:twice")
    await to_confirmation(chat, 0)
    press = Incoming(Channel.CONSOLE, chat.address, InputKind.OPTION,
                     option=encode_option(chat.last["nonce"], "send"))

    assert await all_at_once(core.handle(press), core.handle(press)) == [True, True]

    replies = await chat.send("/my")  # anything, to collect what both presses answered
    texts = [r["text"] for r in chat.replies]
    assert sum("Ваше обращение зарегистрировано" in t for t in texts) == 1
    assert sum("Эта кнопка относится к предыдущему шагу" in t for t in texts) == 1
    assert len(await stored_tickets(db)) == 1
    assert "ALM-2026-000001" in replies[-1]["text"]  # the list of my requests holds exactly one


@pytest.fixture
async def second_db(db_url):
    """Another Database on the same URL: a second process with its own engines and locks."""
    database = Database(db_url)
    yield database
    await database.dispose()


async def test_two_processes_race_on_ticket_numbers(db, second_db):
    cores = [new_core(db), new_core(second_db)]
    chats = [Chat(cores[i % 2], (db, second_db)[i % 2], f"console:p{i}") for i in range(PROCESS_RACERS)]
    await all_at_once(*(to_confirmation(chat, i) for i, chat in enumerate(chats)))

    await all_at_once(*(send(chat) for chat in chats))

    assert_each_got_own_ticket(chats, await stored_tickets(db))


def write_requests(*databases: Database) -> list[Database]:
    """Notes each write transaction these databases ask SQLite for, as its ``BEGIN IMMEDIATE`` goes
    to SQLite (where it waits in the busy handler while another process holds the write lock)."""
    asked: list[Database] = []

    def noting(database: Database):
        def note(_connection, _cursor, statement: str, *_args) -> None:
            if statement == "BEGIN IMMEDIATE":
                asked.append(database)
        return note
    for database in databases:  # for the databases' life (they are the test's own)
        sa.event.listen(database.engine.sync_engine, "before_cursor_execute", noting(database))
    return asked


async def waiting_for_locks(db: Database, expected: int, asked: list[Database]) -> None:
    """Until ``expected`` sessions of this PostgreSQL database wait for a lock; on SQLite, until
    ``expected`` write transactions were asked for (``asked``, from ``write_requests``)."""
    if db.is_sqlite:
        await eventually(lambda: len(asked) >= expected, f"{expected} sessions never asked for the write lock")
        return

    async def waiting() -> bool:
        async with db.reader() as session:
            return await session.scalar(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")) >= expected
    await eventually(waiting, f"{expected} sessions never waited for the lock")


async def test_two_processes_handle_the_same_double_press(db, second_db, db_url):
    """The per-address lock is per process; across processes the database must serialise the two presses.

    Both presses are made to start while a third session holds the resident's identity row, so both
    wait for it: the one that gets the lock second must see what the first one did (on PostgreSQL a
    statement that waited for a row lock re-reads only the locked rows, not the rows joined to them).
    """
    cores = [new_core(db), new_core(second_db)]
    chat = Chat(cores[0], db, "console:two-processes")
    await to_confirmation(chat, 1)
    press = Incoming(Channel.CONSOLE, chat.address, InputKind.OPTION,
                     option=encode_option(chat.last["nonce"], "send"))

    blocker = Database(db_url)
    try:
        async with blocker.transaction() as session:
            await session.execute(sa.select(ChannelIdentity).where(ChannelIdentity.address == chat.address)
                                  .with_for_update())
            asked = write_requests(db, second_db)
            presses = [asyncio.create_task(core.handle(press)) for core in cores]
            await waiting_for_locks(db, 2, asked)
        await all_at_once(*presses)
    finally:
        await blocker.dispose()

    await chat.send("/my")
    texts = [r["text"] for r in chat.replies]
    assert list((await stored_tickets(db)).values()) == ["ALM-2026-000001"]
    assert sum("Кайрылууңуз катталды" in t for t in texts) == 1
    assert sum("Бул баскыч мурунку кадамга тиешелүү" in t for t in texts) == 1


async def test_a_ticket_number_does_not_hold_up_another_unit_of_work(db, second_db):
    """PostgreSQL takes the number in a short transaction of its own: a second process gets the
    next number while the first unit of work is still open (a rollback leaves a gap, never a
    duplicate). SQLite has one writer at a time: the second waits for the first to end."""
    async with db.transaction() as session:  # the year's first number creates its counter row
        municipality = (await session.scalars(sa.select(Municipality).where(Municipality.code == "ALM"))).one()
        assert await do_take_ticket_number(session, municipality, 2031) == "ALM-2031-000001"
    first_taken, release = asyncio.Event(), asyncio.Event()

    async def first() -> str:
        async with db.transaction() as session:
            ticket = await do_take_ticket_number(session, municipality, 2031)
            first_taken.set()
            await release.wait()
        return ticket

    async def second() -> str:
        async with second_db.transaction() as session:
            return await do_take_ticket_number(session, municipality, 2031)

    holder = asyncio.create_task(first())
    await first_taken.wait()
    other = asyncio.create_task(second())
    if db.is_sqlite:
        done, _ = await asyncio.wait([other], timeout=1.0)
        assert not done  # waits for the writer (a slower machine only waits longer)
        release.set()
        assert (await holder, await other) == ("ALM-2031-000002", "ALM-2031-000003")
    else:
        assert await within(other, "the second process waited for the first") == "ALM-2031-000003"
        release.set()
        assert await holder == "ALM-2031-000002"


async def test_a_unit_of_work_holding_the_counter_row_still_gets_its_next_number(db):
    """Its own short transaction would wait forever for a row the caller holds: it gives up after
    a lock timeout and the number is taken in the caller's unit of work."""
    async with db.transaction() as session:
        municipality = (await session.scalars(sa.select(Municipality).where(Municipality.code == "ALM"))).one()
        assert await do_take_ticket_number(session, municipality, 2032) == "ALM-2032-000001"
    async with db.transaction() as session:
        municipality = await session.get(Municipality, municipality.id)
        await session.execute(sa.update(TicketCounter).where(TicketCounter.year == 2032)
                              .values(last=TicketCounter.last + 10))  # this unit of work now holds the row
        ticket = await within(do_take_ticket_number(session, municipality, 2032), "no number")
    assert ticket == "ALM-2032-000012"
