"""Staff chats (Telegram groups) as outbox recipients: every address needs an identity."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.services.identities import lock_identity
from storage.enums import Channel
from storage.models import ChannelIdentity


async def staff_chat_identity(session: AsyncSession, address: str, now: datetime) -> ChannelIdentity:
    """The identity of a group chat address, created the first time something is sent there."""
    return await lock_identity(session, Channel(address.split(":", 1)[0]), address, now)
