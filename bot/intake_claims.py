"""Chats' intake shared by instances on PostgreSQL: each chat held by one instance at a time, in order.

Any instance records any update (a webhook behind a load balancer). A chat's updates are handled
one at a time in the order they were recorded (``intake.id``): only a chat's oldest pending item
(its head) may be claimed, and claiming it (``claimed_by``, the instance's id) holds the chat
until that item is done. The claim is tied to the instance's heartbeat (``bot.instance``): once
the holder's row lapses (it died, or lost the database) the head is claimable again, so another
instance takes the chat over within the heartbeat's time to live and a claim round.

The chat's other pending items are claimed with its head (an album's parts are handled with its
first), so they stay with the instance as they become the head; a chat's newer items are claimed
only by the instance holding its head (never beside another holder's turn). A
round claims the heads of many chats in one statement, ``FOR UPDATE SKIP LOCKED``: two instances
claiming at once never wait for each other nor take the same chat. Each item is still
handled once however often it is claimed: the turn marks it done in its own unit of work, only if
it was pending (``handlers/services/intake.py``).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.instance import alive
from storage.enums import Channel, IntakeStatus
from storage.models import IntakeItem
from storage.plan_shapes import no_row, written_out

PENDING = written_out(IntakeStatus.PENDING)
"""Written out: the generic plan uses the partial index of pending items per chat (``ix_intake_chat_pending``)."""


def _none_of(column: sa.ColumnElement, values: list, item_type: sa.types.TypeEngine) -> sa.ColumnElement[bool]:
    """``column <> ALL(:array)``: one parameter however many values, so the claim round stays one
    prepared statement (``NOT IN (…)`` is a new statement for each length of the list)."""
    return column != sa.all_(sa.bindparam(None, values, type_=ARRAY(item_type)))


def _one_of(column: sa.ColumnElement, values: list, item_type: sa.types.TypeEngine) -> sa.ColumnElement[bool]:
    """``column = ANY(:array)``, as above."""
    return column == sa.any_(sa.bindparam(None, values, type_=ARRAY(item_type)))


async def do_claim_heads(session: AsyncSession, instance_id: str, channels: list[Channel], now: datetime,
                         limit: int, *, known: set[int], held: set[str] = frozenset()) -> list[Row]:
    """Claims up to ``limit`` chats' oldest pending items that no other live instance holds, with the
    rest of those chats' pending items, oldest first; returns their (id, channel, external_id,
    routing_key, payload, attempts). ``known``: the items this instance has queued already (an item
    claimed by it and not known, it forgot: its heartbeat had lapsed, and it may take it again);
    ``held``: the chats it holds, whose new items it takes too (an album's next part)."""
    claimed = (await session.execute(claiming_heads(instance_id, channels, now, limit, known))).all()
    chats = {row.routing_key for row in claimed} | set(held)
    if chats:
        # Only where the chat's head is ours: ``held`` may be out of date (noted before this round, while a
        # turn here ended and another instance claimed the chat's next update).
        followers = sa.and_(_one_of(IntakeItem.routing_key, sorted(chats), sa.String()),
                            IntakeItem.status == PENDING,
                            _none_of(IntakeItem.id, [row.id for row in claimed] + sorted(known), sa.Integer()),
                            sa.or_(IntakeItem.claimed_by.is_(None), IntakeItem.claimed_by == instance_id,
                                   ~alive(IntakeItem.claimed_by, now)),
                            sa.exists().where(_HEAD.routing_key == IntakeItem.routing_key, _HEAD.status == PENDING,
                                              _HEAD.claimed_by == instance_id,
                                              _oldest_pending(_HEAD, _OLDER_THAN_HELD_HEAD)))
        claimed += (await session.execute(_claiming(followers, instance_id))).all()
    return sorted(claimed, key=lambda row: row.id)


async def do_find_unclaimed(session: AsyncSession, item_ids: list[int], now: datetime) -> bool:
    """Whether one of these items is pending and held by no live instance (it waits for a claim round)."""
    unclaimed = sa.select(IntakeItem.id).where(
        _one_of(IntakeItem.id, item_ids, sa.Integer()), IntakeItem.status == PENDING,
        sa.or_(IntakeItem.claimed_by.is_(None), ~alive(IntakeItem.claimed_by, now))).limit(1)
    return (await session.execute(unclaimed)).first() is not None


def claiming_heads(instance_id: str, channels: list[Channel], now: datetime, limit: int, known: set[int]) -> sa.Update:
    """The first statement of ``do_claim_heads``: up to ``limit`` chats' heads, claimed."""
    heads = (sa.select(IntakeItem.id)
             .where(IntakeItem.status == PENDING, IntakeItem.channel.in_(channels),
                    _none_of(IntakeItem.id, sorted(known), sa.Integer()),
                    sa.or_(IntakeItem.claimed_by.is_(None), IntakeItem.claimed_by == instance_id,
                           ~alive(IntakeItem.claimed_by, now)),
                    _oldest_pending(IntakeItem, _OLDER_THAN_HEAD))
             .order_by(IntakeItem.id).limit(limit).with_for_update(skip_locked=True))
    return _claiming(IntakeItem.id.in_(heads.scalar_subquery()), instance_id)


_OLDER_THAN_HEAD = aliased(IntakeItem)
_HEAD = aliased(IntakeItem)
_OLDER_THAN_HELD_HEAD = aliased(IntakeItem)
"""Made once: a new alias in every claim round cost more CPU (the ORM adapting its columns) than the rest
of the round."""


def _oldest_pending(item, older) -> sa.ColumnElement[bool]:
    """``item`` (the table or an alias) is its chat's head: no pending item of the chat (``older``, another
    alias) is older."""
    return no_row(sa.select(older.id).where(older.routing_key == item.routing_key, older.status == PENDING,
                                            older.id < item.id))


def _claiming(where: sa.ColumnElement[bool], instance_id: str):
    return (sa.update(IntakeItem).where(where).values(claimed_by=instance_id)
            .returning(IntakeItem.id, IntakeItem.channel, IntakeItem.external_id, IntakeItem.routing_key,
                       IntakeItem.payload, IntakeItem.attempts)
            .execution_options(synchronize_session=False))
