"""Fetching a resident's file from the channel it came through, for the request page.

Each enabled channel says how (``bot.adapter.Plugged.fetch_file``): Telegram through the
service's bots, WhatsApp from the configured Twilio API with the account's credentials.
"""

from collections.abc import Awaitable, Callable, Mapping

from backoffice.web.office import AttachmentFetcher
from storage.enums import Channel


def attachment_fetcher(fetchers: Mapping[Channel, Callable[[str], Awaitable[tuple[bytes, str]]]]) -> AttachmentFetcher:
    async def fetch(channel: str, file_ref: str) -> tuple[bytes, str]:
        fetcher = fetchers.get(channel)  # a StrEnum key is found by its plain value
        if fetcher is None:
            raise LookupError(f"the {channel} channel is off: its files cannot be fetched")
        return await fetcher(file_ref)

    return fetch
