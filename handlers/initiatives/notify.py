"""Telling one person something, in their language, on the channel they last used."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.envelope import Reply
from handlers.i18n import gettext
from handlers.services.identities import reachable_identity
from handlers.services.outbox import PRIORITY_NOTIFICATION, do_enqueue
from storage.enums import Language
from storage.models import Person


async def do_tell(session: AsyncSession, person_id: int | None, message: str, now: datetime, *,
                  language: Language | None = None, **values: object) -> bool:
    """Writes ``message`` (an English msgid) to the person's outbox; false if they cannot be reached."""
    person = await session.get(Person, person_id) if person_id is not None else None
    if person is None:
        return False
    identity = await reachable_identity(session, person.id)
    if identity is None:
        return False
    language = language or person.language
    do_enqueue(session, identity, Reply(gettext(language, message, **values), language=language), now,
               priority=PRIORITY_NOTIFICATION)
    return True
