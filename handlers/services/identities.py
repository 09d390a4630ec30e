"""Channel identities and their conversations: found, created and locked per address."""

import functools
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from handlers.envelope import Incoming
from storage.enums import Channel
from storage.models import ChannelIdentity, Conversation, Person
from storage.plan_shapes import dialect_of, one_of


async def lock_identity(session: AsyncSession, channel: Channel, address: str, now: datetime) -> ChannelIdentity:
    """The identity for ``address``, created if new, locked for this unit of work.

    On PostgreSQL the row lock (``FOR UPDATE``) serialises two processes handling the
    same person; SQLite's ``BEGIN IMMEDIATE`` already serialises every writer.
    """
    return (await lock_identities(session, {address: channel}, now))[address]


async def lock_identities(session: AsyncSession, addresses: dict[str, Channel],
                          now: datetime) -> dict[str, ChannelIdentity]:
    """The identities of many addresses at once, created if new, locked in a fixed order (by
    id, so that two units of work locking overlapping sets wait instead of deadlocking)."""
    locking = _locking(dialect_of(session))
    found = {identity.address: identity
             for identity in (await session.scalars(locking, {"addresses": list(addresses)}))}
    missing = [address for address in addresses if address not in found]
    if missing:
        await session.execute(insert_ignore(session, ChannelIdentity),
                              [{"address": a, "channel": addresses[a], "created_at": now} for a in missing])
        found.update((identity.address, identity)
                     for identity in (await session.scalars(locking, {"addresses": missing})))
    return found


@functools.cache
def _locking(dialect: str) -> sa.Select:
    """The identities of ``addresses``, locked by id. The turn's statements are built once (their values
    parameters): building one and its cache key cost about as much CPU as running it."""
    return (sa.select(ChannelIdentity).where(one_of(ChannelIdentity.address, "addresses", sa.String(), dialect))
            .order_by(ChannelIdentity.id).with_for_update())


@functools.cache
def _reading_dialogs(dialect: str) -> sa.Select:
    """The conversation and the person of each identity (``ids``), read afresh (``populate_existing``)."""
    return (sa.select(ChannelIdentity.id, Conversation, Person)
            .select_from(ChannelIdentity)
            .outerjoin(Conversation, Conversation.identity_id == ChannelIdentity.id)
            .outerjoin(Person, Person.id == ChannelIdentity.person_id)
            .where(one_of(ChannelIdentity.id, "ids", sa.Integer(), dialect))
            .execution_options(populate_existing=True))


async def load_dialogs(session: AsyncSession, addresses: dict[str, Channel],
                       now: datetime) -> dict[str, tuple[ChannelIdentity, Conversation, Person | None]]:
    """For each address: its identity (created if new, locked), its conversation and its person.

    The locks are taken first and the rest read after them: under PostgreSQL's READ COMMITTED
    a joined read in the locking statement would return a conversation as it was *before* the
    lock was granted, and a second press of a button would be processed twice.
    """
    identities = await lock_identities(session, addresses, now)
    by_id = {identity.id: identity for identity in identities.values()}
    rows = (await session.execute(_reading_dialogs(dialect_of(session)), {"ids": list(by_id)})).all()
    dialogs: dict[str, tuple[ChannelIdentity, Conversation, Person | None]] = {}
    for identity_id, conversation, person in rows:
        identity = by_id[identity_id]
        if conversation is None:
            conversation = new_conversation(session, identity, now)
        dialogs[identity.address] = identity, conversation, person
    return dialogs


async def load_conversation(session: AsyncSession, identity: ChannelIdentity, now: datetime) -> Conversation:
    conversation = await session.get(Conversation, identity.id)
    return conversation if conversation is not None else new_conversation(session, identity, now)


def new_conversation(session: AsyncSession, identity: ChannelIdentity, now: datetime) -> Conversation:
    conversation = Conversation(identity_id=identity.id, flow="onboarding", step="start", data={},
                                options=[], nonce=0, updated_at=now)
    session.add(conversation)
    return conversation


async def load_person(session: AsyncSession, identity: ChannelIdentity) -> Person | None:
    if identity.person_id is None:
        return None
    return await session.get(Person, identity.person_id)


def note_inbound(identity: ChannelIdentity, incoming: Incoming, now: datetime) -> None:
    """Remembers when the person last wrote (to the minute: WhatsApp's window needs no more)."""
    at = incoming.received_at or now
    if identity.last_inbound_at is None or at - identity.last_inbound_at > timedelta(minutes=1):
        identity.last_inbound_at = at
    if identity.blocked_at is not None:
        identity.blocked_at = None  # writing to us means they can be reached again


async def reachable_identity(session: AsyncSession, person_id: int) -> ChannelIdentity | None:
    """The identity a person last wrote from and that has not blocked us."""
    query = (
        sa.select(ChannelIdentity)
        .where(ChannelIdentity.person_id == person_id, ChannelIdentity.blocked_at.is_(None))
        .order_by(ChannelIdentity.last_inbound_at.desc().nulls_last(), ChannelIdentity.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


def insert_ignore(executor: AsyncSession | AsyncConnection, table: type | sa.Table) -> sa.Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` in the dialect of a session or a connection."""
    return _dialect_insert(executor, table).on_conflict_do_nothing()


def insert_or_update(executor: AsyncSession | AsyncConnection, table: type | sa.Table, values: dict[str, Any],
                     key: list[Any], changes: dict[str, Any]) -> sa.Insert:
    """``INSERT … VALUES (values) ON CONFLICT (key) DO UPDATE SET changes`` (one statement, atomic)."""
    return _dialect_insert(executor, table).values(**values).on_conflict_do_update(index_elements=key, set_=changes)


def _dialect_insert(executor: AsyncSession | AsyncConnection, table: type | sa.Table) -> Any:
    dialect = executor.dialect if isinstance(executor, AsyncConnection) else executor.get_bind().dialect
    return dialect_insert(dialect.name, table)


def dialect_insert(dialect: str, table: type | sa.Table) -> Any:
    """``INSERT`` in the dialect named (PostgreSQL's or SQLite's: both have ``ON CONFLICT``)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    return sqlite_insert(table)

