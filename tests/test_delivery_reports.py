"""A platform's delivery reports for a sent message: out of order and at the same moment."""

import asyncio

import pytest
import sqlalchemy as sa

from handlers.conversation import ConversationCore
from handlers.services.delivery_reports import do_record_delivery_report
from storage.enums import Channel
from storage.models import OutboxMessage
from tests.core_config import core_config
from tests.test_delivery_worker import say
from tests.waiting import eventually

SID = "SM" + "a" * 32


async def _a_sent_message(db) -> None:
    await say(ConversationCore(db, core_config()), "console:r")
    async with db.transaction() as session:
        await session.execute(sa.update(OutboxMessage).values(external_id=SID))


async def _delivery_status(db) -> str | None:
    async with db.reader() as session:
        return await session.scalar(sa.select(OutboxMessage.delivery_status).where(OutboxMessage.external_id == SID))


async def _waits_for_a_lock(db) -> bool:
    async with db.reader() as session:
        return bool(await session.scalar(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")))


async def _record(db, report: str, sid: str = SID) -> bool:
    async with db.transaction() as session:
        return await do_record_delivery_report(session, Channel.CONSOLE, sid, report)


async def test_a_late_report_does_not_move_the_status_back(db):
    await _a_sent_message(db)
    assert await _record(db, "delivered") and await _record(db, "sent")
    assert await _delivery_status(db) == "delivered"
    assert not await _record(db, "failed", sid="SM" + "f" * 32)  # a message we do not know


@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite has one writer: reports there never overlap
async def test_two_reports_at_the_same_moment_keep_the_furthest(db):
    """'delivered' is compared and written, not yet committed, when 'sent' arrives: the later
    commit of a 'sent' that compared with the state before 'delivered' must not win."""
    await _a_sent_message(db)
    delivered_first = db.transaction()
    session = await delivered_first.__aenter__()
    try:
        assert await do_record_delivery_report(session, Channel.CONSOLE, SID, "delivered")
        await session.flush()
        sent = asyncio.create_task(_record(db, "sent"))
        await eventually(lambda: _waits_for_a_lock(db), "'sent' did not wait for the row")
    finally:
        await delivered_first.__aexit__(None, None, None)
    assert await sent
    assert await _delivery_status(db) == "delivered"
