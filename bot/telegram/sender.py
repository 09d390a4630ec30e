"""Sending outbox messages through aiogram, one ``Bot`` per configured token."""

from aiogram import Bot
from aiogram.exceptions import (TelegramBadRequest, TelegramForbiddenError, TelegramNotFound,
                                TelegramRetryAfter, TelegramUnauthorizedError)

from bot.delivery.limiter import SlidingWindowLimiter
from bot.delivery.sender import Outgoing, PermanentFailure, RetryLater, Unreachable
from bot.telegram.parse import parse_address
from bot.telegram.render import parts
from storage.enums import Channel


class TelegramSender:
    channel = Channel.TELEGRAM

    def __init__(self, bots: dict[int, Bot], *, per_bot_per_second: int = 30, per_chat_interval: float = 1.0) -> None:
        self.bots = bots
        self.per_chat_interval = per_chat_interval
        self.limiters = {bot_id: SlidingWindowLimiter(per_bot_per_second, 1.0) for bot_id in bots}

    async def send(self, message: Outgoing) -> str | None:
        bot_id, chat_id = parse_address(message.address)
        bot = self.bots.get(bot_id)
        if bot is None:
            raise PermanentFailure(f"no bot {bot_id} is configured")
        limiter = self.limiters[bot_id]
        sent_id = None
        for text, markup in parts(message.payload):
            try:
                async with limiter.slot():
                    sent = await bot.send_message(chat_id=chat_id, text=text, reply_markup=markup)
            except TelegramRetryAfter as error:
                limiter.pause(error.retry_after)
                raise RetryLater(error.retry_after) from error
            except TelegramForbiddenError as error:
                raise Unreachable(error.message) from error
            except (TelegramBadRequest, TelegramNotFound, TelegramUnauthorizedError) as error:
                raise PermanentFailure(error.message) from error
            sent_id = str(sent.message_id)
        return sent_id
