"""The Telegram channel: one aiogram ``Bot`` per configured token, long polling or a webhook."""

import logging

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.adapter import InvitationWay, Parts, Plugged
from bot.instance import HeldLease
from bot.telegram.dispatcher import build_dispatcher, processor
from bot.telegram.files import file_fetcher
from bot.telegram.parse import album_of
from bot.telegram.polling import poll
from bot.telegram.render import BUTTONS_LIMIT, CAPTION_LIMIT, TEXT_LIMIT
from bot.telegram.responses import pin_response_models
from bot.telegram.sender import TelegramSender
from bot.telegram.webhook import add_webhook_routes, register_webhook
from handlers.envelope import Capabilities
from handlers.legal.chat import LegalChat
from handlers.staff.chat import StaffChat
from settings import Settings
from storage.enums import Channel

log = logging.getLogger(__name__)


def telegram_tokens(settings: Settings) -> list[str]:
    """The single TELEGRAM_BOT_TOKEN (if set) and those of TELEGRAM_BOTS, each once."""
    tokens = [settings.telegram_bot_token.get_secret_value()] if settings.telegram_bot_token else []
    return list(dict.fromkeys(tokens + list(settings.telegram_bots.values())))


def municipality_of_bots(settings: Settings) -> dict[str, str]:
    """The address prefix of each bot of TELEGRAM_BOTS → its municipality's code (residents are not asked)."""
    return {f"telegram:{token.split(':')[0]}:": code.upper() for code, token in settings.telegram_bots.items()}


def deep_link(bots: dict[int, Bot], settings: Settings) -> InvitationWay:
    """``https://t.me/<bot>?start=<code>``: the municipality's own bot (TELEGRAM_BOTS) or the shared one."""
    own = {code.upper(): int(token.split(":")[0]) for code, token in settings.telegram_bots.items()}
    first = next(iter(bots))

    async def link(municipality_code: str, code: str) -> str:
        bot = bots[own.get(municipality_code.upper(), first)]
        return f"https://t.me/{(await bot.me()).username}?start={code}"

    return link


class TelegramAdapter:
    channel = Channel.TELEGRAM
    capabilities = Capabilities(
        name="Telegram", buttons=BUTTONS_LIMIT, edits=True, asks_location=True, asks_contact=True,
        opens_reply_box=True, group_chats=True, text_limit=TEXT_LIMIT, caption_limit=CAPTION_LIMIT)

    def enabled(self, settings: Settings) -> bool:
        if not telegram_tokens(settings):
            log.warning("TELEGRAM_BOT_TOKEN is not set: the Telegram channel is off. "
                        "Try the resident dialogs with `./scripts/run.sh chat` (or `./scripts/run.sh chat --as NAME`).")
            return False
        return True

    async def plug_in(self, parts: Parts) -> Plugged:
        settings = parts.settings
        api = TelegramAPIServer.from_base(settings.telegram_api_url)
        bots = {bot.id: bot for bot in (Bot(token, session=AiohttpSession(api=api))
                                        for token in telegram_tokens(settings))}
        pin_response_models()
        sender = TelegramSender(bots, per_bot_per_second=settings.telegram_per_bot_per_second,
                                per_chat_interval=settings.telegram_per_chat_interval)
        lawyers = ([LegalChat(parts.db, parts.legal_desk, settings.lawyers_chat,
                              language=parts.core.config.lawyers_chat_language, on_outbox=parts.wake)]
                   if settings.lawyers_chat else [])
        staff_chat = StaffChat(parts.db, parts.desk, on_outbox=parts.wake, others=lawyers)
        dispatcher = build_dispatcher(parts.core, staff_chat,
                                      spinners_stopped_on_arrival=settings.telegram_mode == "webhook")
        plugged = Plugged(sender, processor(dispatcher, bots),
                          closers=[bot.session.close for bot in bots.values()], fetch_file=file_fetcher(bots),
                          invitation=deep_link(bots, settings), album_of=lambda item: album_of(item.payload))
        if settings.telegram_mode == "polling":
            instance = parts.instance
            plugged.background += [
                lambda bot=bot: poll(bot, parts.intake, stop=parts.stop,
                                     lease=HeldLease(instance, f"poll:telegram:{bot.id}") if instance else None)
                for bot in bots.values()]
            return plugged
        if not settings.public_url or settings.telegram_webhook_secret is None:
            raise SystemExit("TELEGRAM_MODE=webhook needs PUBLIC_URL and TELEGRAM_WEBHOOK_SECRET")
        secret = settings.telegram_webhook_secret.get_secret_value()
        add_webhook_routes(parts.http, bots, parts.intake, secret)
        for bot in bots.values():
            await register_webhook(bot, settings.public_url, secret)
        return plugged
