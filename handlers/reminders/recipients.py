"""Who hears about a request: a staff member, the heads of the municipality, a department's staff chat.

A person is written to in their language, a staff chat in the language set for it.
Every message goes through the outbox.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.envelope import Reply, Template
from handlers.services.identities import lock_identity, reachable_identity
from handlers.services.outbox import PRIORITY_NOTIFICATION, do_enqueue
from storage.db import get_referenced
from storage.enums import Channel, Language, Role
from storage.models import ChannelIdentity, Department, Person, RoleGrant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    identity: ChannelIdentity
    language: Language


async def person_recipient(session: AsyncSession, person_id: int) -> Recipient | None:
    """The person at the address they last wrote from, unless they blocked the bot there."""
    identity = await reachable_identity(session, person_id)
    if identity is None:
        return None
    person = await get_referenced(session, Person, person_id)  # the identity found points at them
    return Recipient(identity, person.language)


async def heads_of(session: AsyncSession, municipality_id: int) -> list[Recipient]:
    """The heads of the municipality who can be reached in a messenger."""
    query = (sa.select(RoleGrant.person_id).distinct()
             .where(RoleGrant.municipality_id == municipality_id, RoleGrant.role == Role.HEAD)
             .order_by(RoleGrant.person_id))
    recipients = []
    for person_id in (await session.scalars(query)).all():
        recipient = await person_recipient(session, person_id)
        if recipient is None:
            log.info("head (person %s) of municipality %s has no reachable messenger", person_id, municipality_id)
        else:
            recipients.append(recipient)
    return recipients


async def staff_chat_of(session: AsyncSession, department: Department | None, now: datetime) -> Recipient | None:
    """The department's staff chat (its identity created on first use), or ``None``."""
    if department is None or not department.staff_chat:
        return None
    try:
        channel = Channel(department.staff_chat.split(":", 1)[0])
    except ValueError:
        log.warning("department %s has a staff chat address of no known channel: %r", department.id,
                    department.staff_chat)
        return None
    identity = await lock_identity(session, channel, department.staff_chat, now)
    if identity.blocked_at is not None:
        log.warning("the bot cannot write to the staff chat of department %s any more", department.id)
        return None
    return Recipient(identity, department.staff_chat_language)


def do_tell(session: AsyncSession, recipient: Recipient, compose: Callable[[Language], str], now: datetime,
            template: Template | None = None) -> None:
    """Writes ``compose(language)`` to the recipient's outbox."""
    reply = Reply(compose(recipient.language), language=recipient.language, template=template)
    do_enqueue(session, recipient.identity, reply, now, priority=PRIORITY_NOTIFICATION)
