"""Ticket numbers unique per municipality: ``ALM-2026-000042``.

On PostgreSQL the number is taken in a short transaction of its own: the counter row would
otherwise stay locked until the unit of work that took it commits, and every other unit of
work submitting a request (a group commit of many turns, another intake worker) would queue
behind it (measured: most lock waits of the request flow with two intake workers). The price
is a gap in the numbering when a submission is rolled back; numbers stay unique. SQLite has
one writer at a time, so there the number is taken in the caller's unit of work.
"""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from handlers.services.identities import insert_ignore
from storage.models import Municipality, TicketCounter


async def do_take_ticket_number(session: AsyncSession, municipality: Municipality, year: int) -> str:
    if session.bind.dialect.name == "postgresql":
        async with session.bind.connect() as own:
            number = await _do_increment(own, municipality.id, year)
            await own.commit()
    else:
        number = await _do_increment(session, municipality.id, year)
    return f"{municipality.code}-{year}-{number:06d}"


async def _do_increment(executor: AsyncSession | AsyncConnection, municipality_id: int, year: int) -> int:
    """The next number, atomically (an UPDATE … RETURNING on the counter row, created if missing)."""
    increment = (sa.update(TicketCounter)
                 .where(TicketCounter.municipality_id == municipality_id, TicketCounter.year == year)
                 .values(last=TicketCounter.last + 1)
                 .returning(TicketCounter.last))
    number = (await executor.execute(increment)).scalar_one_or_none()
    if number is None:  # the first request of the year
        await executor.execute(insert_ignore(executor, TicketCounter).values(
            municipality_id=municipality_id, year=year, last=0))
        number = (await executor.execute(increment)).scalar_one()
    return number
