"""Inviting staff and binding their messenger: the one code path of the back office and the bot.

``do_invite_staff`` adds a staff record (a person with a name and a language, and the role)
and a one-time invitation code (handlers/services/codes.py). The person opens the Telegram
deep link (the bot receives ``/start <code>``) or sends the code on WhatsApp; ``do_redeem``
binds that address to the staff record. If the address already belongs to someone (a
resident), the staff record is joined into that person. ``do_revoke_role`` removes a grant and
withdraws its unused invitation: the next press in a staff chat or page in the back office is
refused, as both read the grants fresh.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import InvalidInput, NotFound
from handlers.services import codes
from handlers.services.people import do_merge_person
from handlers.services.setup import do_grant_role
from handlers.staff.audit import do_audit
from storage.enums import CodePurpose, Language, Role
from storage.models import ChannelIdentity, Department, Municipality, Person, Quarter, RoleGrant

INVITED_ROLES = (Role.HEAD, Role.ADMIN, Role.DEPARTMENT_STAFF, Role.KVARTALKOM, Role.LAWYER, Role.COORDINATOR)


@dataclass(frozen=True)
class Invitation:
    person: Person
    grant: RoleGrant
    code: str
    """Shown once to the administrator: never stored."""


async def do_invite_staff(session: AsyncSession, municipality: Municipality, role: Role, *, name: str,
                          language: Language, now: datetime, by_person_id: int | None,
                          department: Department | None = None, quarter: Quarter | None = None) -> Invitation:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 200:
        raise InvalidInput("a staff member needs a name (at most 200 characters)")
    if role not in INVITED_ROLES:
        raise InvalidInput(f"not a staff role: {role}")
    person = Person(language=language, display_name=name, created_at=now)
    session.add(person)
    await session.flush()
    grant = await do_grant_role(session, person, municipality, role, department=department, quarter=quarter)
    code = await do_new_invitation_code(session, grant, now=now, by_person_id=by_person_id)
    return Invitation(person, grant, code)


async def do_new_invitation_code(session: AsyncSession, grant: RoleGrant, *, now: datetime,
                                 by_person_id: int | None) -> str:
    """A fresh code for the grant's person (the earlier unused one stops working)."""
    await codes.do_drop_codes(session, CodePurpose.INVITATION, person_id=grant.person_id,
                              municipality_id=grant.municipality_id)
    return codes.do_make_code(session, CodePurpose.INVITATION, now, municipality_id=grant.municipality_id,
                              person_id=grant.person_id, created_by_person_id=by_person_id)


@dataclass(frozen=True)
class Redeemed:
    person: Person
    municipality: Municipality
    roles: tuple[Role, ...]


async def do_redeem(session: AsyncSession, identity: ChannelIdentity, code: str, now: datetime) -> Redeemed | None:
    """Binds the identity to the invited staff member; None (and a refusal audited) if the code
    is unknown, used or expired."""
    used = await codes.do_use_code(session, CodePurpose.INVITATION, code, now, used_by=identity.address)
    if used is None or used.person_id is None or used.municipality_id is None:
        found = await codes.code_row(session, CodePurpose.INVITATION, code)
        do_audit(session, via=identity.address, action="redeem_invitation", now=now, allowed=False,
                 municipality_id=found.municipality_id if found else None, detail={"reason": codes.why_not(found)})
        return None
    invited = await session.get(Person, used.person_id)
    if invited is None:
        raise NotFound("the invited person is gone")
    person = invited
    if identity.person_id is None:
        identity.person_id = invited.id
    elif identity.person_id != invited.id:
        person = await session.get(Person, identity.person_id) or invited
        person.display_name = person.display_name or invited.display_name
        await do_merge_person(session, removed=invited, kept=person)
    municipality = await session.get(Municipality, used.municipality_id)
    if municipality is None:
        raise NotFound("the municipality is gone")
    roles = tuple((await session.scalars(sa.select(RoleGrant.role).where(
        RoleGrant.person_id == person.id, RoleGrant.municipality_id == municipality.id))).all())
    do_audit(session, via=identity.address, action="redeem_invitation", now=now, allowed=True,
             municipality_id=municipality.id, actor_person_id=person.id, object_type="person", object_id=person.id)
    return Redeemed(person, municipality, roles)


async def do_revoke_role(session: AsyncSession, municipality_id: int, grant_id: int) -> RoleGrant:
    grant = await session.get(RoleGrant, grant_id)
    if grant is None or grant.municipality_id != municipality_id:
        raise NotFound(f"no role {grant_id} in this municipality")
    await codes.do_drop_codes(session, CodePurpose.INVITATION, person_id=grant.person_id,
                              municipality_id=municipality_id)
    await session.delete(grant)
    await session.flush()
    return grant
