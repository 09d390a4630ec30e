"""Who answered a resident: a staff member's name and position, as staff are shown elsewhere
(«Айбек Токтогулов, Суу чарба бөлүмү»: the department a department's staff work in, else the role)."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import N_, gettext, pick
from storage.enums import Language, Role
from storage.models import Department, Person, RoleGrant

POSITIONS = {
    Role.HEAD: N_("head of the municipality"),
    Role.ADMIN: N_("municipality administrator"),
    Role.KVARTALKOM: N_("head of the quarter committee"),
}
"""A role's position, for a staff member who works in no department."""
PREFERRED = (Role.DEPARTMENT_STAFF, Role.HEAD, Role.ADMIN, Role.KVARTALKOM)


async def answerer_label(session: AsyncSession, person_id: int | None, municipality_id: int,
                         department_id: int | None, language: Language) -> str | None:
    """«Name, position» of a staff member (``None`` if nobody is known): the department of the request
    if they work there, else another department of theirs, else their role."""
    if person_id is None:
        return None
    person = await session.get(Person, person_id)
    if person is None:
        return None
    grants = list((await session.execute(
        sa.select(RoleGrant.role, Department.name_ky, Department.name_ru, RoleGrant.department_id)
        .outerjoin(Department, Department.id == RoleGrant.department_id)
        .where(RoleGrant.person_id == person_id, RoleGrant.municipality_id == municipality_id,
               RoleGrant.role.in_(PREFERRED)))).all())
    grants.sort(key=lambda g: (g.department_id != department_id or g.department_id is None,
                               PREFERRED.index(g.role)))
    position = None
    if grants:
        best = grants[0]
        position = (pick(language, best.name_ky, best.name_ru) if best.name_ky and best.name_ru
                    else gettext(language, POSITIONS[best.role]) if best.role in POSITIONS else None)
    parts = [part for part in (person.display_name, position) if part]
    return ", ".join(parts) or None
