"""Fetching a WhatsApp attachment from Twilio with the account's credentials (for staff)."""

from collections.abc import Awaitable, Callable

import aiohttp


async def fetch_media(url: str, account_sid: str, auth_token: str) -> tuple[bytes, str]:
    """The file's bytes and content type; Twilio media URLs need HTTP Basic auth."""
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": aiohttp.encode_basic_auth(account_sid, auth_token)}
        async with session.get(url, headers=headers) as response:
            response.raise_for_status()
            return await response.read(), response.headers.get("Content-Type", "application/octet-stream")


def media_fetcher(api_url: str, credentials: tuple[str, str]) -> Callable[[str], Awaitable[tuple[bytes, str]]]:
    """Fetches media URLs of the configured Twilio API only, so a stored reference can never make
    us send the credentials elsewhere."""

    async def fetch(url: str) -> tuple[bytes, str]:
        if not url.startswith(api_url.rstrip("/") + "/"):
            raise LookupError(f"not a media URL of the Twilio API: {url[:80]!r}")
        return await fetch_media(url, *credentials)

    return fetch
