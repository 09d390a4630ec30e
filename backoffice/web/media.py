"""Fetching a resident's file from the channel it came through, for the request page.

Telegram: ``getFile`` and the file download through the service's Bot. WhatsApp: the
Twilio media URL with the account's credentials (only URLs of the configured Twilio API,
so a stored reference can never make us send the credentials elsewhere).
"""

import mimetypes
from collections.abc import Mapping
from typing import Any

from backoffice.web.office import AttachmentFetcher
from bot.whatsapp.media import fetch_media


def attachment_fetcher(*, bots: Mapping[int, Any], twilio_api_url: str | None = None,
                       twilio_credentials: tuple[str, str] | None = None) -> AttachmentFetcher:
    async def fetch(channel: str, file_ref: str) -> tuple[bytes, str]:
        if channel == "telegram" and bots:
            return await _from_telegram(bots, file_ref)
        if channel == "whatsapp" and twilio_credentials and twilio_api_url:
            if not file_ref.startswith(twilio_api_url.rstrip("/") + "/"):
                raise LookupError(f"not a media URL of the Twilio API: {file_ref[:80]!r}")
            return await fetch_media(file_ref, *twilio_credentials)
        raise LookupError(f"the {channel} channel is off: its files cannot be fetched")

    return fetch


async def _from_telegram(bots: Mapping[int, Any], file_id: str) -> tuple[bytes, str]:
    """A file id belongs to the bot that received it: with several bots, the one that knows it answers."""
    failures = []
    for bot in bots.values():
        try:
            found = await bot.get_file(file_id)
        except Exception as error:  # aiogram's TelegramBadRequest: not this bot's file
            failures.append(error)
            continue
        if not found.file_path:
            raise LookupError("Telegram gave no file path")
        data = await bot.download_file(found.file_path)
        return data.read(), mimetypes.guess_type(found.file_path)[0] or "application/octet-stream"
    raise LookupError(f"no bot could fetch the file: {failures}")
