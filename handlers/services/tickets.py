"""Ticket numbers unique per municipality: ``ALM-2026-000042``.

On PostgreSQL the number is taken in a short transaction of its own: the counter row would
otherwise stay locked until the unit of work that took it commits, and every other unit of
work submitting a request (a group commit of many turns, another instance) would queue
behind it (measured: most lock waits of the request flow with two intake workers). The price
is a gap in the numbering when a submission is rolled back; numbers stay unique. The first
number of a year (the counter row is created then, maybe for a municipality the same unit of
work created) is taken in the caller's unit of work, as is every number on SQLite, which has
one writer at a time anyway.
"""

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from handlers.services.identities import insert_ignore
from storage.models import Municipality, TicketCounter

APART_LOCK_TIMEOUT_MS = 2000


async def do_take_ticket_number(session: AsyncSession, municipality: Municipality, year: int) -> str:
    """Takes the next number atomically (an UPDATE … RETURNING on the counter row)."""
    increment = (sa.update(TicketCounter)
                 .where(TicketCounter.municipality_id == municipality.id, TicketCounter.year == year)
                 .values(last=TicketCounter.last + 1)
                 .returning(TicketCounter.last))
    held = session.info.setdefault("ticket_counters_held", set())  # locked by this unit of work
    number = None
    if session.get_bind().dialect.name == "postgresql" and (municipality.id, year) not in held:
        number = await _do_increment_apart(session, increment)
    if number is None:
        held.add((municipality.id, year))
        number = (await session.execute(increment)).scalar_one_or_none()
    if number is None:  # the first request of the year
        await session.execute(insert_ignore(session, TicketCounter).values(
            municipality_id=municipality.id, year=year, last=0))
        number = (await session.execute(increment)).scalar_one()
    return f"{municipality.code}-{year}-{number:06d}"


async def _do_increment_apart(session: AsyncSession, increment: sa.Update) -> int | None:
    """The increment in a transaction of its own; None if the row is not there (or stays locked:
    then the caller's unit of work waits for it instead, where PostgreSQL sees any deadlock)."""
    engine = session.bind
    assert isinstance(engine, AsyncEngine), "units of work are bound to an engine (storage.db.Database)"
    async with engine.connect() as own:
        try:
            await own.execute(sa.text(f"SET LOCAL lock_timeout = '{APART_LOCK_TIMEOUT_MS}ms'"))
            number = (await own.execute(increment)).scalar_one_or_none()
        except DBAPIError:
            await own.rollback()
            return None
        await own.commit()
        return number
