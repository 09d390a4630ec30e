"""Sending outbox messages through aiogram, one ``Bot`` (and one rate limit) per configured token.

A reply may carry a photo (sent with the text as its caption when the photo's file id
belongs to this bot), replace an earlier message in place (``edit_of``: editMessageText,
or editMessageCaption for a photo) or answer one (``reply_to``).
"""

from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardMarkup, ReplyParameters

from bot.delivery.limiter import Cancelled, SlidingWindowLimiter
from bot.delivery.sender import ClaimLost, Outgoing, PermanentFailure, RetryLater, TransientFailure, Unreachable
from bot.telegram.parse import parse_address
from bot.telegram.render import CAPTION_LIMIT, parts, photo_of, voice_of
from handlers.envelope import MapPin
from storage.enums import Channel

NOT_MODIFIED = "message is not modified"
PREFETCH_SECONDS = 2


class TelegramSender:
    channel = Channel.TELEGRAM

    def __init__(self, bots: dict[int, Bot], *, per_bot_per_second: int = 30, per_chat_interval: float = 1.0) -> None:
        self.bots = bots
        self.per_bot_per_second = per_bot_per_second
        self.per_chat_interval = per_chat_interval
        self.limiters = {bot_id: SlidingWindowLimiter(per_bot_per_second, 1.0) for bot_id in bots}

    def lanes(self) -> dict[str, int]:
        return {f"telegram:{bot_id}:": PREFETCH_SECONDS * self.per_bot_per_second for bot_id in self.bots}

    def limiters_by_lane(self) -> dict[str, SlidingWindowLimiter]:
        return {f"telegram:{bot_id}:": limiter for bot_id, limiter in self.limiters.items()}

    async def send(self, message: Outgoing) -> str | None:
        bot_id, chat_id = parse_address(message.address)
        bot = self.bots.get(bot_id)
        if bot is None:
            raise PermanentFailure(f"no bot {bot_id} is configured")
        reply = message.reply
        if reply.edit_of:
            return await self._edit(bot, chat_id, message)
        reply_to = message.refs.get("reply_to")
        answers = ReplyParameters(message_id=int(reply_to), allow_sending_without_reply=True) if reply_to else None
        point, voice = reply.media, voice_of(reply, bot_id)
        if isinstance(point, MapPin):
            sent = await self._call(bot, message, lambda: bot.send_location(
                chat_id=chat_id, latitude=point.latitude, longitude=point.longitude, reply_parameters=answers))
            return str(sent.message_id)
        if voice is not None:
            sent = await self._call(bot, message, lambda: bot.send_voice(
                chat_id=chat_id, voice=voice, caption=reply.text[:CAPTION_LIMIT] or None,
                reply_parameters=answers))
            return str(sent.message_id)
        photo = photo_of(reply, bot_id)
        texts = parts(reply)
        sent_id = None
        if photo is not None:
            caption, markup = texts[0] if len(texts) == 1 and len(texts[0][0]) <= CAPTION_LIMIT else (None, None)
            sent = await self._call(bot, message, lambda: bot.send_photo(
                chat_id=chat_id, photo=photo, caption=caption, reply_markup=markup, reply_parameters=answers))
            sent_id, answers = str(sent.message_id), None
            if caption is not None:
                return sent_id
        for text, markup in texts:
            sent = await self._call(bot, message, lambda text=text, markup=markup, answers=answers: bot.send_message(
                chat_id=chat_id, text=text, reply_markup=markup, reply_parameters=answers))
            sent_id, answers = str(sent.message_id), None
        return sent_id

    async def _edit(self, bot: Bot, chat_id: int, message: Outgoing) -> str:
        target = message.refs.get("edit_of")
        if not target:
            raise TransientFailure("the message to edit has not been sent yet")
        text, markup = parts(message.reply)[0]
        inline = markup if isinstance(markup, InlineKeyboardMarkup) else None
        try:
            if photo_of(message.reply, bot.id) is not None:
                await self._call(bot, message, lambda: bot.edit_message_caption(
                    chat_id=chat_id, message_id=int(target), caption=text[:CAPTION_LIMIT], reply_markup=inline))
            else:
                await self._call(bot, message, lambda: bot.edit_message_text(
                    chat_id=chat_id, message_id=int(target), text=text, reply_markup=inline))
        except PermanentFailure as error:
            if NOT_MODIFIED not in str(error):
                raise
        return target

    async def _call(self, bot: Bot, message: Outgoing, request: Callable[[], Awaitable]):
        limiter = self.limiters[bot.id]
        try:
            async with limiter.slot(message.priority, message.settled, message.still_ours):
                return await request()
        except Cancelled as error:
            raise ClaimLost() from error
        except TelegramRetryAfter as error:
            limiter.pause(error.retry_after)
            raise RetryLater(error.retry_after) from error
        except TelegramForbiddenError as error:
            raise Unreachable(error.message) from error
        except (TelegramBadRequest, TelegramNotFound, TelegramUnauthorizedError) as error:
            raise PermanentFailure(error.message) from error
