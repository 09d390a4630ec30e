"""Webhook mode: Telegram POSTs updates; each is recorded durably before we answer 200.

The ``X-Telegram-Bot-Api-Secret-Token`` header must match the configured secret (a
forged request gets 403 and nothing is stored). If recording fails we answer 500 and
Telegram delivers the update again later (same ``update_id``, processed once). A resident's press
is answered in the response (``spinner_stop``).
"""

import hmac
import logging
from typing import Any

from aiogram import Bot
from aiogram.methods import SetWebhook
from aiohttp import web

from bot.intake import Arrival, IntakeQueue
from bot.telegram.parse import routing_key
from bot.telegram.polling import ALLOWED_UPDATES
from storage.enums import Channel

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_path(bot_id: int) -> str:
    return f"/telegram/{bot_id}"


def add_webhook_routes(app: web.Application, bots: dict[int, Bot], intake: IntakeQueue, secret: str) -> None:
    from aiogram.types import Update

    async def receive(request: web.Request) -> web.Response:
        bot = bots.get(int(request.match_info["bot_id"]))
        given = request.headers.get(SECRET_HEADER, "")
        if bot is None or not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("refused a webhook call to %s from %s: bad secret or unknown bot", request.path, request.remote)
            return web.Response(status=403)
        try:
            payload = await request.json()
            update = Update.model_validate(payload, context={"bot": bot})
        except ValueError:
            return web.Response(status=400)
        # Stored as it came (not dumped again from the parsed update): the update is parsed once.
        arrival = Arrival(f"{bot.id}:{update.update_id}", routing_key(bot.id, payload), payload, update)
        await intake.record(Channel.TELEGRAM, [arrival])
        stop_spinner = spinner_stop(update)
        return web.json_response(stop_spinner) if stop_spinner else web.Response(status=200)

    app.router.add_post("/telegram/{bot_id:\\d+}", receive)


def spinner_stop(update: Any) -> dict[str, str] | None:
    """A resident's press of a button: the method that stops its spinner, given in the answer to the
    webhook call (Telegram runs a method named there): at once, not after the turn, and without a
    request of its own. A press in a staff group is answered by its handler, with a short text."""
    query = update.callback_query
    if query is None or query.message is None or query.message.chat.type != "private":
        return None
    return {"method": "answerCallbackQuery", "callback_query_id": query.id}


async def register_webhook(bot: Bot, public_url: str, secret: str) -> None:
    url = public_url.rstrip("/") + webhook_path(bot.id)
    await bot(SetWebhook(url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES))
    log.info("telegram bot %s: webhook set to %s", bot.id, url)
