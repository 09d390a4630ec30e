"""What a channel adapter is: one contract, the same for every channel.

An adapter declares its ``Capabilities`` (what the core may ask of it) and, once the service's
parts exist, plugs itself in: it parses its platform's payloads into the core's ``Incoming``
(its intake ``Processor``), renders and sends ``Reply``s (its delivery ``Sender``), adds its
HTTP routes, and says how staff fetch a file a resident sent through it. ``bot/channels.py``
lists the adapters; main.py only builds the parts and starts them.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import web

from bot.delivery.sender import Sender
from bot.instance import Instance
from bot.intake import AlbumOf, IntakeQueue, Processor
from handlers.conversation import ConversationCore
from handlers.envelope import Capabilities
from handlers.legal.desk import LegalDesk
from handlers.staff.desk import StaffDesk
from settings import Settings
from storage.db import Database
from storage.enums import Channel

FileFetcher = Callable[[str], Awaitable[tuple[bytes, str]]]
"""A file reference → (bytes, content type); raises if the file cannot be had."""


@dataclass
class Parts:
    """The service's parts a channel plugs into (main.py builds them)."""

    settings: Settings
    db: Database
    core: ConversationCore
    desk: StaffDesk
    legal_desk: LegalDesk
    intake: IntakeQueue
    http: web.Application
    wake: Callable[[], None]
    """Tells the delivery worker that the outbox has something new."""
    stop: asyncio.Event
    instance: Instance | None = None
    """This process in the deployment: what only one instance may do (poll a bot) is leased with it."""


@dataclass
class Plugged:
    """What a channel added to the service."""

    sender: Sender
    processor: Processor
    background: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    """Long-running jobs the service starts (long polling)."""
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    """Called when the service stops (HTTP sessions)."""
    fetch_file: FileFetcher | None = None
    """How the back office gets a file a resident sent through this channel."""
    invitation: "InvitationWay | None" = None
    """How a staff member opens an invitation through this channel (a deep link, a number to write to)."""
    album_of: AlbumOf | None = None
    """Which items of this channel are sent together and make one step (a Telegram album)."""


InvitationWay = Callable[[str, str], Awaitable[str]]
"""(municipality code, invitation code) → a link to open (Telegram) or the address to send the code to."""


class ChannelAdapter(Protocol):
    channel: Channel
    capabilities: Capabilities

    def enabled(self, settings: Settings) -> bool:
        """Whether the settings turn the channel on (when not, it logs what is missing)."""
        ...

    async def plug_in(self, parts: Parts) -> Plugged:
        """Builds the channel's sender and intake processor and adds its HTTP routes."""
        ...
