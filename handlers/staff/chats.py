"""Staff chats (Telegram groups) as outbox recipients: every address needs an identity."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.services.identities import insert_ignore
from storage.enums import Channel
import sqlalchemy as sa
from storage.models import ChannelIdentity


def channel_of(address: str) -> Channel:
    return Channel(address.split(":", 1)[0])


async def staff_chat_identity(session: AsyncSession, address: str, now: datetime) -> ChannelIdentity:
    """The identity of a group chat address, created the first time something is sent there."""
    query = sa.select(ChannelIdentity).where(ChannelIdentity.address == address)
    identity = (await session.execute(query)).scalar_one_or_none()
    if identity is None:
        await session.execute(insert_ignore(session, ChannelIdentity).values(
            address=address, channel=channel_of(address), created_at=now))
        identity = (await session.execute(query)).scalar_one()
    return identity
