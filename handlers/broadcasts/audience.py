"""Who may address which quarters, and who receives an announcement.

Municipality-wide senders are the head, administrators and department staff (municipal
enterprises announce water cuts and garbage days themselves); a kvartalkom head reaches
only the quarters they are assigned to; a group coordinator only the members of their
initiative groups. Everybody else is refused (and the refusal logged).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import NotAllowed
from handlers.services.roles import read_grants
from storage.enums import Channel, Language, MembershipStatus, Role
from storage.models import BroadcastMute, ChannelIdentity, GroupMember, InitiativeGroup, Person, Quarter, RoleGrant

MUNICIPAL_ROLES = (Role.HEAD, Role.ADMIN, Role.DEPARTMENT_STAFF)
REACHABLE_CHANNELS = (Channel.TELEGRAM, Channel.WHATSAPP, Channel.CONSOLE)


@dataclass(frozen=True)
class SenderRights:
    """What one person may address in one municipality."""

    municipality_id: int
    whole_municipality: bool
    quarter_ids: tuple[int, ...] = ()
    """For a kvartalkom head: their quarters."""
    group_ids: tuple[int, ...] = ()
    """For a group coordinator: their initiative groups."""

    @property
    def may_send_emergencies(self) -> bool:
        return self.whole_municipality


async def sender_rights(session: AsyncSession, person: Person | None) -> SenderRights | None:
    """The person's broadcasting rights, or ``None`` if they hold no role that gives any."""
    if person is None:
        return None
    return rights_from(await read_grants(session, person.id), person)


def rights_from(grants: Sequence[RoleGrant], person: Person) -> SenderRights | None:
    """The broadcasting rights these grants of the person give."""
    municipal = [g for g in grants if g.role in MUNICIPAL_ROLES]
    if municipal:
        chosen = next((g for g in municipal if g.municipality_id == person.municipality_id), municipal[0])
        return SenderRights(chosen.municipality_id, True)
    quarters = [g for g in grants if g.role == Role.KVARTALKOM and g.quarter_id is not None]
    if not quarters:
        return None
    municipality_id = next((g.municipality_id for g in quarters if g.municipality_id == person.municipality_id),
                           quarters[0].municipality_id)
    return SenderRights(municipality_id, False,
                        tuple(sorted({g.quarter_id for g in quarters
                                      if g.municipality_id == municipality_id and g.quarter_id is not None})))


def check_may_address(rights: SenderRights | None, quarter_ids: list[int] | None, *, emergency: bool,
                      group_ids: list[int] | None = None) -> None:
    """Raises NotAllowed unless the rights cover the quarters and groups (neither: the whole municipality)."""
    if rights is None:
        raise NotAllowed("no role that may send announcements")
    if emergency and not rights.may_send_emergencies:
        raise NotAllowed("only municipal staff send emergency notices")
    if rights.whole_municipality:
        return
    if group_ids and not set(group_ids) <= set(rights.group_ids):
        raise NotAllowed(f"groups {group_ids} are not all among {list(rights.group_ids)}")
    if (quarter_ids or not group_ids) and (not quarter_ids or not set(quarter_ids) <= set(rights.quarter_ids)):
        raise NotAllowed(f"quarters {quarter_ids} are not all among {list(rights.quarter_ids)}")


async def _check_all_in(session: AsyncSession, model: type[Quarter] | type[InitiativeGroup], municipality_id: int,
                        ids: list[int] | None) -> None:
    """Raises NotAllowed unless every row of ``model`` with these ids belongs to the municipality."""
    if not ids:
        return
    found = set((await session.scalars(sa.select(model.id).where(
        model.id.in_(ids), model.municipality_id == municipality_id))).all())
    if found != set(ids):
        raise NotAllowed(f"{model.__tablename__} {sorted(set(ids) - found)} are not in municipality {municipality_id}")


async def check_quarters_in(session: AsyncSession, municipality_id: int, quarter_ids: list[int] | None) -> None:
    await _check_all_in(session, Quarter, municipality_id, quarter_ids)


async def check_groups_in(session: AsyncSession, municipality_id: int, group_ids: list[int] | None) -> None:
    await _check_all_in(session, InitiativeGroup, municipality_id, group_ids)


@dataclass(frozen=True)
class Recipient:
    person_id: int
    language: Language
    identity_id: int
    channel: Channel
    address: str


@dataclass
class Audience:
    recipients: list[Recipient] = field(default_factory=list)
    muted: int = 0
    """Residents left out because they muted ordinary announcements."""
    unreachable: int = 0
    """Residents with no channel that has not blocked us."""

    def by_channel(self) -> dict[Channel, int]:
        counts: dict[Channel, int] = {}
        for recipient in self.recipients:
            counts[recipient.channel] = counts.get(recipient.channel, 0) + 1
        return counts


async def audience(session: AsyncSession, municipality_id: int, quarter_ids: list[int] | None, *,
                   emergency: bool, group_ids: list[int] | None = None) -> Audience:
    """Residents (with consent) of the quarters and members of the groups (neither: the whole
    municipality), each once, on the channel last used."""
    chosen = [Person.quarter_id.in_(quarter_ids)] if quarter_ids else []
    if group_ids:
        chosen.append(Person.id.in_(sa.select(GroupMember.person_id).where(
            GroupMember.group_id.in_(group_ids), GroupMember.status == MembershipStatus.MEMBER)))
    people = sa.and_(Person.municipality_id == municipality_id, Person.consent_at.is_not(None),
                     Person.quarter_id.is_not(None), sa.or_(*chosen) if chosen else sa.true())
    query = (sa.select(Person.id, Person.language, BroadcastMute.person_id.label("muted"), ChannelIdentity.id,
                       ChannelIdentity.channel, ChannelIdentity.address, ChannelIdentity.last_inbound_at,
                       ChannelIdentity.blocked_at)
             .select_from(Person)
             .outerjoin(BroadcastMute, BroadcastMute.person_id == Person.id)
             .outerjoin(ChannelIdentity, sa.and_(ChannelIdentity.person_id == Person.id,
                                                 ChannelIdentity.channel.in_(REACHABLE_CHANNELS)))
             .where(people))
    best: dict[int, tuple] = {}
    muted: set[int] = set()
    everybody: set[int] = set()
    for person_id, language, is_muted, identity_id, channel, address, last_inbound, blocked in (
            await session.execute(query)).all():
        everybody.add(person_id)
        if is_muted is not None and not emergency:
            muted.add(person_id)
            continue
        if identity_id is None or blocked is not None:
            continue
        rank = (last_inbound is not None, last_inbound or 0, identity_id)
        if person_id not in best or rank > best[person_id][0]:
            best[person_id] = (rank, Recipient(person_id, language, identity_id, channel, address))
    recipients = [entry[1] for _pid, entry in sorted(best.items())]
    return Audience(recipients, muted=len(muted), unreachable=len(everybody) - len(muted) - len(recipients))
