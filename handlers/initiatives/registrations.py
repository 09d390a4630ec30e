"""Residents register for a hearing: "I will come" under its notice, or from the menu.

Registering twice, or for a hearing that is over, gets a clear answer and changes nothing.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.dates import at_moment
from handlers.engine.turn import Turn
from handlers.errors import InvalidInput
from handlers.i18n import format_datetime
from storage.enums import HearingStatus
from storage.models import Hearing, HearingRegistration, Person


class HearingOver(InvalidInput):
    """Registering for a hearing that has begun, was closed or cancelled."""


class AlreadyRegistered(InvalidInput):
    """Registering twice for one hearing."""


async def registration(session: AsyncSession, hearing_id: int, person_id: int) -> HearingRegistration | None:
    return (await session.execute(sa.select(HearingRegistration).where(
        HearingRegistration.hearing_id == hearing_id, HearingRegistration.person_id == person_id))
    ).scalar_one_or_none()


async def do_register(session: AsyncSession, hearing: Hearing, person: Person, now: datetime) -> HearingRegistration:
    """Registers the person; raises HearingOver (started, closed, cancelled) or AlreadyRegistered."""
    if hearing.status != HearingStatus.ANNOUNCED or now >= hearing.starts_at:
        raise HearingOver(f"hearing {hearing.id} is {hearing.status.value}, starting {hearing.starts_at}")
    if await registration(session, hearing.id, person.id) is not None:
        raise AlreadyRegistered(f"person {person.id} is registered for hearing {hearing.id}")
    row = HearingRegistration(hearing_id=hearing.id, person_id=person.id, registered_at=now)
    session.add(row)
    await session.flush()
    return row


async def do_register_turn(turn: Turn, hearing: Hearing) -> str:
    """Registers the turn's resident and returns what to tell them."""
    when = format_datetime(hearing.starts_at, turn.language, turn.config.timezone)
    on = at_moment(hearing.starts_at, turn.language, turn.config.timezone, turn.now)
    try:
        await do_register(turn.session, hearing, turn.resident, turn.now)
    except AlreadyRegistered:
        return turn._("You are already registered for this hearing ({time}). We will remind you the day before.",
                      time=when)
    except HearingOver:
        return turn._("This hearing has already taken place or was closed, so registration is over. "
                      "You can still send a proposal: it will be kept.")
    return turn._("You are registered for the hearing «{title}» on {time}. We will remind you the day before.",
                  title=hearing.title, time=on)


async def do_register_from_notice(turn: Turn, broadcast_id: int) -> str:
    """"I will come" under a hearing's notice."""
    hearing = (await turn.session.execute(sa.select(Hearing).where(Hearing.broadcast_id == broadcast_id))
               ).scalar_one_or_none()
    if hearing is None or turn.person is None:
        return turn._("This hearing is no longer available.")
    return await do_register_turn(turn, hearing)
