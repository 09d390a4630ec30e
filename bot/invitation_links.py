"""How an invitation is opened, for the command line (no service running): the Telegram deep link
(the bot's name asked of the Bot API, as the running service does) and the WhatsApp number the code
is sent to, for each messenger configured. The back office gets the same from the running channels
(bot/channels.py)."""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.telegram.adapter import deep_link, telegram_tokens
from settings import Settings
from storage.enums import Channel

log = logging.getLogger(__name__)

InvitationWays = Callable[[str, str], Awaitable[dict[Channel, str]]]


@asynccontextmanager
async def invitation_ways_of(settings: Settings) -> AsyncIterator[InvitationWays]:
    api = TelegramAPIServer.from_base(settings.telegram_api_url)
    bots = {bot.id: bot for bot in (Bot(token, session=AiohttpSession(api=api)) for token in telegram_tokens(settings))}
    link = deep_link(bots, settings) if bots else None
    number = (settings.twilio_whatsapp_from or "").removeprefix("whatsapp:") or None

    async def ways(municipality_code: str, code: str) -> dict[Channel, str]:
        found = {Channel.WHATSAPP: number} if number else {}
        if link is not None:
            try:
                found[Channel.TELEGRAM] = await link(municipality_code, code)
            except Exception as error:  # the Bot API unreachable: the code still works on WhatsApp or later
                log.warning("the Telegram bot's name could not be asked (%s): no deep link", error)
        return found

    try:
        yield ways
    finally:
        for bot in bots.values():
            await bot.session.close()
