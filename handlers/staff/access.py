"""Who may do what with a request.

- the head and the administrator: everything in their municipality;
- department staff: everything on the requests routed to their department;
- a kvartalkom head: sees the requests of their quarter and may add internal notes;
- lawyers, coordinators and residents: nothing here (lawyers have the legal queue).

Nobody sees another municipality's rows: every query starts from the actor's municipality.
"""

from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import Language, RequestStatus, Role
from storage.models import Person, Request, RoleGrant


class StaffAction(StrEnum):
    VIEW = "view"
    TAKE = "take"
    ANSWER = "answer"
    ASK = "ask"
    FORWARD = "forward"
    RESOLVE = "resolve"
    REJECT = "reject"
    EXTEND = "extend"
    NOTE = "note"
    RECORD_ANSWER = "answered"
    """Record an answer given on paper, by phone or in person."""
    MERGE = "merge"
    """Merge a duplicate into another request (allowed on both)."""
    ERASE_APPLICANT = "erase"
    """Erase the applicant's personal data at their request (the head and the administrator)."""
    EXPORT = "export"
    DASHBOARD = "dashboard"
    REGISTER = "register"
    """Register an appeal received at the reception, on paper, by phone or by e-mail."""


OVERALL = frozenset({StaffAction.EXPORT, StaffAction.DASHBOARD, StaffAction.REGISTER})
WORK_ON_REQUEST = frozenset(StaffAction) - OVERALL
HEAD_ONLY = frozenset({StaffAction.ERASE_APPLICANT})
QUARTER_HEAD_ACTIONS = frozenset({StaffAction.VIEW, StaffAction.NOTE, StaffAction.EXPORT, StaffAction.DASHBOARD})
STAFF_ROLES = (Role.HEAD, Role.ADMIN, Role.DEPARTMENT_STAFF, Role.KVARTALKOM)


@dataclass(frozen=True)
class Grant:
    role: Role
    department_id: int | None
    quarter_id: int | None


@dataclass(frozen=True)
class Actor:
    """A staff member acting in one municipality, through one face (``web``, ``staff_chat``)."""

    person_id: int
    municipality_id: int
    language: Language
    via: str
    grants: tuple[Grant, ...]
    name: str = ""

    @property
    def sees_everything(self) -> bool:
        return any(g.role in (Role.HEAD, Role.ADMIN) for g in self.grants)

    @property
    def administers(self) -> bool:
        """An administrator of the municipality: sets it up (places, departments, categories, staff)."""
        return any(g.role == Role.ADMIN for g in self.grants)

    @property
    def departments(self) -> set[int]:
        return {g.department_id for g in self.grants if g.role == Role.DEPARTMENT_STAFF and g.department_id}

    @property
    def quarters(self) -> set[int]:
        return {g.quarter_id for g in self.grants if g.role == Role.KVARTALKOM and g.quarter_id}


async def load_actor(session: AsyncSession, person_id: int, municipality_id: int, via: str,
                     language: Language | None = None) -> Actor | None:
    """The person as staff of the municipality, or None if they hold no staff role there."""
    person = await session.get(Person, person_id)
    if person is None:
        return None
    grants = (await session.scalars(sa.select(RoleGrant).where(
        RoleGrant.person_id == person_id, RoleGrant.municipality_id == municipality_id,
        RoleGrant.role.in_(STAFF_ROLES)))).all()
    if not grants:
        return None
    return Actor(person_id=person_id, municipality_id=municipality_id, language=language or person.language,
                 via=via, grants=tuple(Grant(g.role, g.department_id, g.quarter_id) for g in grants),
                 name=person.display_name or "")


def allowed_actions(actor: Actor, request: Request) -> set[StaffAction]:
    """What the actor may do with this request (empty: they may not even see it)."""
    if request.municipality_id != actor.municipality_id:
        return set()
    if actor.sees_everything:
        return set(WORK_ON_REQUEST)
    if request.department_id in actor.departments:
        return set(WORK_ON_REQUEST - HEAD_ONLY)
    if request.quarter_id in actor.quarters:
        return set(QUARTER_HEAD_ACTIONS & WORK_ON_REQUEST)
    return set()


NEEDS_OPEN = frozenset({StaffAction.TAKE, StaffAction.ANSWER, StaffAction.ASK, StaffAction.FORWARD,
                        StaffAction.RESOLVE, StaffAction.REJECT, StaffAction.EXTEND, StaffAction.MERGE})


def possible_now(request: Request, allowed: set[StaffAction]) -> set[StaffAction]:
    """Of the actions allowed, those the request's status lets be done: a page offers only these
    (the actions check the status again, whatever a form sends)."""
    if request.status in (RequestStatus.RECEIVED, RequestStatus.IN_REVIEW):
        return allowed
    return allowed - NEEDS_OPEN


def can_overall(actor: Actor, action: StaffAction) -> bool:
    """Actions on lists (export, dashboard): every staff role, over what the actor may see.
    Registering an appeal: the head, the administrator and department staff (the clerks)."""
    if action == StaffAction.REGISTER:
        return actor.sees_everything or bool(actor.departments)
    return action in (StaffAction.EXPORT, StaffAction.DASHBOARD, StaffAction.VIEW) and bool(actor.grants)


def visible(actor: Actor) -> sa.ColumnElement[bool]:
    """The SQL condition for the requests the actor may see."""
    condition = Request.municipality_id == actor.municipality_id
    if actor.sees_everything:
        return condition
    scopes = []
    if actor.departments:
        scopes.append(Request.department_id.in_(sorted(actor.departments)))
    if actor.quarters:
        scopes.append(Request.quarter_id.in_(sorted(actor.quarters)))
    return sa.and_(condition, sa.or_(*scopes)) if scopes else sa.false()
