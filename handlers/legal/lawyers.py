"""Who may work on legal questions: lawyers, each serving one or more municipalities.

A lawyer sees and acts on the questions of the municipalities they hold the ``lawyer``
role in. The municipality's own staff (the head, the administrator) may read its
questions that are not confidential; a confidential question is for lawyers only.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.staff.access import Actor
from storage.enums import Language, Role
from storage.models import LegalQuestion, Person, RoleGrant


@dataclass(frozen=True)
class Lawyer:
    person_id: int
    municipality_ids: frozenset[int]
    language: Language
    via: str
    name: str = ""
    municipality_id: int | None = None
    """Not one municipality: an action is logged under the question's."""

    def serves(self, question: LegalQuestion) -> bool:
        return question.municipality_id in self.municipality_ids


async def load_lawyer(session: AsyncSession, person_id: int, via: str, language: Language | None = None
                      ) -> Lawyer | None:
    person = await session.get(Person, person_id)
    if person is None:
        return None
    municipalities = frozenset((await session.scalars(sa.select(RoleGrant.municipality_id).where(
        RoleGrant.person_id == person_id, RoleGrant.role == Role.LAWYER))).all())
    if not municipalities:
        return None
    return Lawyer(person_id, municipalities, language or person.language, via, person.display_name or "")


async def lawyers_of(session: AsyncSession, municipality_id: int) -> list[Person]:
    """The lawyers serving a municipality (to hand a question over to)."""
    return list((await session.scalars(sa.select(Person).join(RoleGrant, RoleGrant.person_id == Person.id).where(
        RoleGrant.municipality_id == municipality_id, RoleGrant.role == Role.LAWYER)
        .distinct().order_by(Person.id))).all())


def staff_may_read(actor: Actor) -> sa.ColumnElement[bool]:
    """The questions a municipality's staff member may read: their municipality's, not confidential,
    and only for the head and the administrator."""
    if not actor.sees_everything:
        return sa.false()
    return sa.and_(LegalQuestion.municipality_id == actor.municipality_id, LegalQuestion.confidential.is_(False))


async def questions_for_staff(session: AsyncSession, actor: Actor, limit: int = 50) -> list[LegalQuestion]:
    return list((await session.scalars(sa.select(LegalQuestion).where(staff_may_read(actor))
                                       .order_by(LegalQuestion.created_at.desc()).limit(limit))).all())
