"""Fetching a WhatsApp attachment from Twilio with the account's credentials (for staff)."""

import aiohttp


async def fetch_media(url: str, account_sid: str, auth_token: str) -> tuple[bytes, str]:
    """The file's bytes and content type; Twilio media URLs need HTTP Basic auth."""
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": aiohttp.encode_basic_auth(account_sid, auth_token)}
        async with session.get(url, headers=headers) as response:
            response.raise_for_status()
            return await response.read(), response.headers.get("Content-Type", "application/octet-stream")
