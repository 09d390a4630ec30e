"""Open311 clients' API keys: issued once (only the hash is kept), listed, revoked."""

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import InvalidInput, NotFound
from handlers.transparency.models import CLIENT_NAME_MAX, Open311Client
from storage.models import Municipality

KEY_BYTES = 24


def hash_key(key: str) -> str:
    return hashlib.sha256(key.strip().encode()).hexdigest()


async def do_add_client(session: AsyncSession, municipality: Municipality, name: str,
                        now: datetime) -> tuple[Open311Client, str]:
    """A new client and its key: the key is returned here once and never stored."""
    name = name.strip()
    if not name or len(name) > CLIENT_NAME_MAX:
        raise InvalidInput(f"a client's name is 1 to {CLIENT_NAME_MAX} characters")
    key = secrets.token_urlsafe(KEY_BYTES)
    client = Open311Client(municipality_id=municipality.id, name=name, key_hash=hash_key(key), created_at=now)
    session.add(client)
    await session.flush()
    return client, key


async def clients_of(session: AsyncSession, municipality_id: int) -> list[Open311Client]:
    query = sa.select(Open311Client).where(Open311Client.municipality_id == municipality_id).order_by(Open311Client.id)
    return list((await session.scalars(query)).all())


async def do_revoke_client(session: AsyncSession, municipality: Municipality, client_id: int,
                           now: datetime) -> Open311Client:
    client = await session.get(Open311Client, client_id)
    if client is None or client.municipality_id != municipality.id:
        raise NotFound(f"no Open311 client #{client_id} in {municipality.code}")
    if client.revoked_at is None:
        client.revoked_at = now
    return client


async def active_client(session: AsyncSession, municipality_id: int, key: str | None) -> Open311Client | None:
    """The client a key belongs to, if it is this municipality's and not revoked."""
    if not key:
        return None
    client = (await session.execute(sa.select(Open311Client).where(
        Open311Client.key_hash == hash_key(key)))).scalar_one_or_none()
    if client is None or client.revoked_at is not None or client.municipality_id != municipality_id:
        return None
    return client
