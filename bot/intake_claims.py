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

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.instance import alive
from storage.enums import Channel, IntakeStatus
from storage.models import IntakeItem
from storage.plan_shapes import no_row, one_of, written_out
from storage.types import UTCDateTime

PENDING = written_out(IntakeStatus.PENDING)
"""Written out: the generic plan uses the partial index of pending items per chat (``ix_intake_chat_pending``)."""


_ME = sa.bindparam("me", type_=sa.String())
_NOW = sa.bindparam("now", type_=UTCDateTime())
_KNOWN = sa.bindparam("known", type_=ARRAY(sa.Integer()))
"""The claim statements are built once, their values given at each round as parameters: building one
(and its cache key) cost about half a millisecond of CPU, as much as the rest of the round."""


def _none_of(column: sa.ColumnElement, values: sa.BindParameter) -> sa.ColumnElement[bool]:
    """``column <> ALL(:array)``: one parameter however many values, so the claim round stays one
    prepared statement (``NOT IN (…)`` is a new statement for each length of the list)."""
    return column != sa.all_(values)


def _free_or_mine(item) -> sa.ColumnElement[bool]:
    return sa.or_(item.claimed_by.is_(None), item.claimed_by == _ME, ~alive(item.claimed_by, _NOW))


class Claimed(NamedTuple):
    rows: list[Row]
    """(id, channel, external_id, routing_key, payload, attempts) of the items claimed, oldest first."""
    recorded_waiting: bool | None
    """Whether one of the items ``recorded`` waits for a claim after this one; None: not known (the
    chats' followers were claimed after the look: ``do_find_unclaimed`` tells)."""


async def do_claim_heads(session: AsyncSession, instance_id: str, channels: list[Channel], now: datetime,
                         limit: int, *, known: set[int], held: set[str] = frozenset(),
                         recorded: Sequence[int] = ()) -> Claimed:
    """Claims up to ``limit`` chats' oldest pending items that no other live instance holds, with the
    rest of those chats' pending items, oldest first. ``known``: the items this instance has queued
    already (an item claimed by it and not known, it forgot: its heartbeat had lapsed, and it may take
    it again); ``held``: chats it holds whose new items it takes too (an album's next part);
    ``recorded``: items recorded here, looked at in the same statement (do they still wait?). The
    followers of the chats claimed now are looked for only where the heads' statement saw some."""
    rows = (await session.execute(claiming_heads(tuple(channels)),
                                  heads_parameters(instance_id, now, limit, known, recorded))).all()
    waiting: bool | None = any(row.recorded_waiting for row in rows)  # the same on every row
    claimed = [row for row in rows if row.id is not None]  # none claimed: one row, of the look alone
    chats = {row.routing_key for row in claimed if row.more} | set(held)
    if chats:
        claimed += (await session.execute(_CLAIMING_FOLLOWERS, {
            "me": instance_id, "now": now, "chats": sorted(chats),
            "known": [row.id for row in claimed] + sorted(known)})).all()
        waiting = None
    return Claimed(sorted(claimed, key=lambda row: row.id), waiting)


async def do_find_unclaimed(session: AsyncSession, item_ids: list[int], now: datetime) -> bool:
    """Whether one of these items is pending and held by no live instance (it waits for a claim round)."""
    return (await session.execute(_UNCLAIMED, {"ids": item_ids, "now": now})).first() is not None


def heads_parameters(instance_id: str, now: datetime, limit: int, known: set[int],
                     recorded: Sequence[int] = ()) -> dict:
    return {"me": instance_id, "now": now, "limit": limit, "known": sorted(known), "recorded": list(recorded)}


@functools.cache
def claiming_heads(channels: tuple[Channel, ...]) -> sa.Select:
    """The first statement of ``do_claim_heads`` (its parameters: ``heads_parameters``): up to ``limit``
    chats' heads, claimed; with each (or alone, in a row of NULLs, if none), whether one of the items
    ``recorded`` here waits for a claim after it (``recorded_waiting``). That look was a statement of its
    own after half the rounds at 100 updates/s (another instance's round had taken the update)."""
    heads = (sa.select(IntakeItem.id)
             .where(IntakeItem.status == PENDING, IntakeItem.channel.in_(channels), _none_of(IntakeItem.id, _KNOWN),
                    _free_or_mine(IntakeItem), _oldest_pending(IntakeItem, _OLDER_THAN_HEAD))
             .order_by(IntakeItem.id).limit(sa.bindparam("limit", type_=sa.Integer()))
             .with_for_update(skip_locked=True))
    claimed = _claiming(IntakeItem.id.in_(heads.scalar_subquery()), _more_pending()).cte("claimed")
    # The look reads the rows as they were before the statement: those it claims are left out by id. Each
    # recorded id is probed in the primary key (a generic plan made on a small table scanned all the pending).
    recorded = sa.func.unnest(sa.bindparam("recorded", type_=ARRAY(sa.Integer()))).table_valued("id").render_derived()
    waiting = sa.exists().select_from(recorded).where(~no_row(sa.select(IntakeItem.id).where(
        IntakeItem.id == recorded.c.id, _waits_for_a_claim(), IntakeItem.id.not_in(sa.select(claimed.c.id)))))
    one = sa.select(sa.literal(1).label("one")).subquery("one")
    return sa.select(claimed, waiting.label("recorded_waiting")).select_from(one.outerjoin(claimed, sa.true()))


_OLDER_THAN_HEAD = aliased(IntakeItem)
_HEAD = aliased(IntakeItem)
_OLDER_THAN_HELD_HEAD = aliased(IntakeItem)
_NEWER_THAN_HEAD = aliased(IntakeItem)
"""Made once: a new alias in every claim round cost more CPU (the ORM adapting its columns) than the rest
of the round."""


def _oldest_pending(item, older) -> sa.ColumnElement[bool]:
    """``item`` (the table or an alias) is its chat's head: no pending item of the chat (``older``, another
    alias) is older."""
    return no_row(sa.select(older.id).where(older.routing_key == item.routing_key, older.status == PENDING,
                                            older.id < item.id))


def _more_pending() -> sa.Label[bool]:
    """The chat has a pending item newer than this one (its followers are to be claimed with it)."""
    newer = _NEWER_THAN_HEAD
    return (~no_row(sa.select(newer.id).where(newer.routing_key == IntakeItem.routing_key, newer.status == PENDING,
                                              newer.id > IntakeItem.id))).label("more")


def _claiming(where: sa.ColumnElement[bool], *also: sa.ColumnElement):
    return (sa.update(IntakeItem).where(where).values(claimed_by=_ME)
            .returning(IntakeItem.id, IntakeItem.channel, IntakeItem.external_id, IntakeItem.routing_key,
                       IntakeItem.payload, IntakeItem.attempts, *also)
            .execution_options(synchronize_session=False))


# Only where the chat's head is ours: ``held`` may be out of date (noted before this round, while a turn here
# ended and another instance claimed the chat's next update).
_CLAIMING_FOLLOWERS = _claiming(sa.and_(
    one_of(IntakeItem.routing_key, "chats", sa.String(), "postgresql"), IntakeItem.status == PENDING,
    _none_of(IntakeItem.id, _KNOWN), _free_or_mine(IntakeItem),
    sa.exists().where(_HEAD.routing_key == IntakeItem.routing_key, _HEAD.status == PENDING, _HEAD.claimed_by == _ME,
                      _oldest_pending(_HEAD, _OLDER_THAN_HELD_HEAD))))


def _waits_for_a_claim() -> sa.ColumnElement[bool]:
    """The item is pending and held by no live instance. For items looked up by id: the status is a
    parameter, so that the generic plan probes the primary key (with the status written out, it chose
    the smaller partial index of the pending, whose id is its second column: all of it read per id)."""
    return sa.and_(IntakeItem.status == IntakeStatus.PENDING,
                   sa.or_(IntakeItem.claimed_by.is_(None), ~alive(IntakeItem.claimed_by, _NOW)))


_UNCLAIMED = sa.select(IntakeItem.id).where(
    one_of(IntakeItem.id, "ids", sa.Integer(), "postgresql"), _waits_for_a_claim()).limit(1)
