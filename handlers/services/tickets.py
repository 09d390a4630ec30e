"""Ticket numbers unique per municipality: ``ALM-2026-000042``."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.services.identities import insert_ignore
from storage.models import Municipality, TicketCounter


async def do_take_ticket_number(session: AsyncSession, municipality: Municipality, year: int) -> str:
    """Takes the next number atomically (an UPDATE … RETURNING on the counter row)."""
    await session.execute(insert_ignore(session, TicketCounter).values(
        municipality_id=municipality.id, year=year, last=0))
    number = (await session.execute(
        sa.update(TicketCounter)
        .where(TicketCounter.municipality_id == municipality.id, TicketCounter.year == year)
        .values(last=TicketCounter.last + 1)
        .returning(TicketCounter.last)
    )).scalar_one()
    return f"{municipality.code}-{year}-{number:06d}"
