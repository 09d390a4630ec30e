"""Initiative groups: browsing, asking to join, leaving, and the coordinator's decisions.

A coordinator is the person named on the group who also holds the ``coordinator`` role in
its municipality; they decide only on their own groups' requests. A refusal is written
to the audit log.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import InvalidInput, NotAllowed, NotFound
from handlers.staff.audit import do_audit
from storage.db import get_referenced
from storage.enums import MembershipStatus, Role
from storage.models import GroupMember, InitiativeGroup, Person, RoleGrant

ACTIVE = (MembershipStatus.PENDING, MembershipStatus.MEMBER)


class AlreadyMember(InvalidInput):
    """Joining a group one is a member of."""


class AlreadyAsked(InvalidInput):
    """Joining a group whose coordinator has not yet decided on the earlier request."""


class NotAMember(InvalidInput):
    """Leaving a group one is not in."""


class AlreadyDecided(InvalidInput):
    """Approving or declining a request that was decided (or withdrawn) meanwhile."""


@dataclass(frozen=True)
class GroupCard:
    group: InitiativeGroup
    members: int
    coordinator: str | None


async def group_cards(session: AsyncSession, municipality_id: int) -> list[GroupCard]:
    """The municipality's groups with their member counts and coordinators' names, by name."""
    members = (sa.select(GroupMember.group_id, sa.func.count().label("n"))
               .where(GroupMember.status == MembershipStatus.MEMBER).group_by(GroupMember.group_id).subquery())
    rows = (await session.execute(
        sa.select(InitiativeGroup, sa.func.coalesce(members.c.n, 0), Person.display_name)
        .outerjoin(members, members.c.group_id == InitiativeGroup.id)
        .outerjoin(Person, Person.id == InitiativeGroup.coordinator_person_id)
        .where(InitiativeGroup.municipality_id == municipality_id)
        .order_by(InitiativeGroup.name_ru, InitiativeGroup.id))).all()
    return [GroupCard(group, count, name) for group, count, name in rows]


async def group_in(session: AsyncSession, municipality_id: int | None, group_id: int) -> InitiativeGroup:
    group = await session.get(InitiativeGroup, group_id)
    if group is None or group.municipality_id != municipality_id:
        raise NotFound(f"no group {group_id} in municipality {municipality_id}")
    return group


async def membership(session: AsyncSession, group_id: int, person_id: int) -> GroupMember | None:
    return (await session.execute(sa.select(GroupMember).where(
        GroupMember.group_id == group_id, GroupMember.person_id == person_id).with_for_update())).scalar_one_or_none()


async def do_request_join(session: AsyncSession, person: Person, group_id: int, now: datetime) -> GroupMember:
    """Asks to join; raises AlreadyMember / AlreadyAsked, NotFound for another municipality's group."""
    await group_in(session, person.municipality_id, group_id)
    row = await membership(session, group_id, person.id)
    if row is not None and row.status == MembershipStatus.MEMBER:
        raise AlreadyMember(f"person {person.id} is in group {group_id}")
    if row is not None and row.status == MembershipStatus.PENDING:
        raise AlreadyAsked(f"person {person.id} already asked to join group {group_id}")
    if row is None:
        row = GroupMember(group_id=group_id, person_id=person.id, status=MembershipStatus.PENDING, requested_at=now)
        session.add(row)
    else:
        row.status, row.requested_at, row.decided_at, row.decided_by_person_id = (
            MembershipStatus.PENDING, now, None, None)
    await session.flush()
    return row


async def do_leave(session: AsyncSession, person: Person, group_id: int, now: datetime) -> GroupMember:
    """Leaves the group (or withdraws a pending request); raises NotAMember."""
    await group_in(session, person.municipality_id, group_id)
    row = await membership(session, group_id, person.id)
    if row is None or row.status not in ACTIVE:
        raise NotAMember(f"person {person.id} is not in group {group_id}")
    row.status, row.decided_at = MembershipStatus.LEFT, now
    return row


async def coordinated_groups(session: AsyncSession, person: Person | None) -> list[InitiativeGroup]:
    """The groups this person coordinates (named on the group, with the role in its municipality)."""
    if person is None:
        return []
    role = sa.select(RoleGrant.id).where(RoleGrant.person_id == person.id, RoleGrant.role == Role.COORDINATOR,
                                         RoleGrant.municipality_id == InitiativeGroup.municipality_id)
    return list((await session.scalars(sa.select(InitiativeGroup).where(
        InitiativeGroup.coordinator_person_id == person.id, role.exists()).order_by(InitiativeGroup.id))).all())


async def member_group_ids(session: AsyncSession, person_id: int) -> set[int]:
    return set((await session.scalars(sa.select(GroupMember.group_id).where(
        GroupMember.person_id == person_id, GroupMember.status == MembershipStatus.MEMBER))).all())


async def pending_requests(session: AsyncSession, group_ids: list[int]) -> list[tuple[GroupMember, Person]]:
    rows = await session.execute(
        sa.select(GroupMember, Person).join(Person, Person.id == GroupMember.person_id)
        .where(GroupMember.group_id.in_(group_ids), GroupMember.status == MembershipStatus.PENDING)
        .order_by(GroupMember.requested_at, GroupMember.id))
    return [(member, person) for member, person in rows.all()]


async def do_decide_membership(session: AsyncSession, *, coordinator: Person, membership_id: int, approve: bool,
                               now: datetime, via: str) -> tuple[GroupMember, InitiativeGroup]:
    """The coordinator approves or declines a request to join one of their groups.

    Raises NotFound (no such request), NotAllowed (another group's request: audited),
    AlreadyDecided.
    """
    row = (await session.execute(sa.select(GroupMember).where(GroupMember.id == membership_id)
                                 .with_for_update())).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no membership {membership_id}")
    group = await get_referenced(session, InitiativeGroup, row.group_id)
    action = "group.approve" if approve else "group.decline"
    if group.id not in {g.id for g in await coordinated_groups(session, coordinator)}:
        do_audit(session, via=via[:40], action=action, now=now, allowed=False, municipality_id=group.municipality_id,
                 actor_person_id=coordinator.id, object_type="group_member", object_id=row.id,
                 detail={"group": group.id, "reason": "not the coordinator of this group"})
        raise NotAllowed(f"person {coordinator.id} does not coordinate group {group.id}")
    if row.status != MembershipStatus.PENDING:
        raise AlreadyDecided(f"membership {row.id} is {row.status.value}")
    row.status = MembershipStatus.MEMBER if approve else MembershipStatus.DECLINED
    row.decided_at, row.decided_by_person_id = now, coordinator.id
    do_audit(session, via=via[:40], action=action, now=now, allowed=True, municipality_id=group.municipality_id,
             actor_person_id=coordinator.id, object_type="group_member", object_id=row.id, detail={"group": group.id})
    return row, group


MAX_NAME, MAX_PURPOSE = 200, 1000


async def do_create_group(session: AsyncSession, municipality_id: int, *, name_ky: str, name_ru: str,
                          purpose_ky: str, purpose_ru: str, now: datetime) -> InitiativeGroup:
    """A new group without a coordinator yet (staff name one among those who ask to join)."""
    names = [name_ky.strip(), name_ru.strip()]
    purposes = [purpose_ky.strip(), purpose_ru.strip()]
    if not all(names) or max(map(len, names)) > MAX_NAME or max(map(len, purposes)) > MAX_PURPOSE:
        raise InvalidInput("a group needs its name in both languages")
    group = InitiativeGroup(municipality_id=municipality_id, name_ky=names[0], name_ru=names[1],
                            purpose_ky=purposes[0], purpose_ru=purposes[1], created_at=now)
    session.add(group)
    await session.flush()
    return group


async def do_set_coordinator(session: AsyncSession, group: InitiativeGroup, person_id: int, now: datetime) -> None:
    """Makes one who asked to join (or a member) the coordinator: a member, with the role."""
    row = await membership(session, group.id, person_id)
    if row is None or row.status not in ACTIVE:
        raise InvalidInput(f"person {person_id} has not asked to join group {group.id}")
    if row.status == MembershipStatus.PENDING:
        row.status, row.decided_at = MembershipStatus.MEMBER, now
    group.coordinator_person_id = person_id
    held = await session.scalar(sa.select(RoleGrant.id).where(
        RoleGrant.person_id == person_id, RoleGrant.municipality_id == group.municipality_id,
        RoleGrant.role == Role.COORDINATOR))
    if held is None:
        session.add(RoleGrant(person_id=person_id, municipality_id=group.municipality_id, role=Role.COORDINATOR))


async def candidates(session: AsyncSession, group_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """group id → the people who asked to join or are members: (person id, name), for choosing a coordinator."""
    rows = await session.execute(
        sa.select(GroupMember.group_id, Person.id, Person.display_name).join(Person, Person.id == GroupMember.person_id)
        .where(GroupMember.group_id.in_(group_ids), GroupMember.status.in_(ACTIVE)).order_by(GroupMember.id))
    found: dict[int, list[tuple[int, str]]] = {}
    for group_id, person_id, name in rows.all():
        found.setdefault(group_id, []).append((person_id, name or f"#{person_id}"))
    return found
