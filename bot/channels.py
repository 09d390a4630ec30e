"""The one list of channels, and how they are plugged into a running service.

Every channel is an adapter (``bot/adapter.py``): its capabilities go to the core through
``CoreConfig.capabilities``; the enabled ones give the delivery worker their senders, the
intake their processors, and the service their routes, background jobs and closers.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.adapter import ChannelAdapter, FileFetcher, Parts, Plugged
from bot.console.channel import CAPABILITIES as CONSOLE_CAPABILITIES
from bot.delivery.worker import DeliveryWorker
from bot.telegram.adapter import TelegramAdapter
from bot.whatsapp.adapter import WhatsAppAdapter
from handlers.envelope import Capabilities
from storage.enums import Channel

ADAPTERS: tuple[ChannelAdapter, ...] = (WhatsAppAdapter(), TelegramAdapter())
"""The messengers the service serves (the console runs in `main.py chat` only)."""

CAPABILITIES: Mapping[Channel, Capabilities] = {
    **{adapter.channel: adapter.capabilities for adapter in ADAPTERS}, Channel.CONSOLE: CONSOLE_CAPABILITIES}
"""What each channel can show, for ``CoreConfig.capabilities`` (the console's too: its people are in the
same database)."""


@dataclass
class Channels:
    """The channels plugged into this service."""

    plugged: dict[Channel, Plugged] = field(default_factory=dict)

    @property
    def files(self) -> dict[Channel, FileFetcher]:
        """How staff fetch residents' files, per enabled channel."""
        return {channel: p.fetch_file for channel, p in self.plugged.items() if p.fetch_file is not None}

    async def invitation_ways(self, municipality_code: str, code: str) -> dict[Channel, str]:
        """How a staff member opens an invitation, per enabled channel that can say."""
        return {channel: await p.invitation(municipality_code, code)
                for channel, p in self.plugged.items() if p.invitation is not None}

    @property
    def background(self) -> list:
        return [job for p in self.plugged.values() for job in p.background]

    async def close(self) -> None:
        for plugged in self.plugged.values():
            for close in plugged.closers:
                await close()


async def plug_in_channels(parts: Parts, worker: DeliveryWorker) -> Channels:
    """Plugs every enabled adapter into the parts and the delivery worker."""
    channels = Channels()
    for adapter in ADAPTERS:
        if not adapter.enabled(parts.settings):
            continue
        plugged = await adapter.plug_in(parts)
        worker.senders[adapter.channel] = plugged.sender
        parts.intake.processors[adapter.channel] = plugged.processor
        if plugged.album_of is not None:
            parts.intake.albums[adapter.channel] = plugged.album_of
        channels.plugged[adapter.channel] = plugged
    return channels
