"""The core's replies → Telegram messages with inline keyboards."""

from aiogram.types import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.delivery.sender import split_text
from handlers.envelope import Asks, Photo, Reply, SentFile, Voice, encode_option
from storage.enums import Channel

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
BUTTONS_LIMIT = 100
"""Buttons of one inline keyboard."""

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


def keyboard(reply: Reply) -> Markup | None:
    """One button per row: big targets on a small screen.

    A question that asks for a location or the person's own contact gets a reply keyboard
    instead, whose special button sends it in one tap (its other buttons send their words,
    which the core understands like a press). It hides itself after one use.
    """
    if reply.expects_reply:
        return ForceReply(force_reply=True)  # a staff-chat prompt: the reply box opens for it
    if not reply.options:
        return None
    if any(option.asks for option in reply.options):
        rows = [[KeyboardButton(text=reply.label(o), request_location=o.asks == Asks.LOCATION,
                                request_contact=o.asks == Asks.CONTACT)] for o in reply.options]
        return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, one_time_keyboard=True)
    rows = []
    for option in reply.options:
        data = encode_option(reply.nonce or 0, option.value)
        if len(data.encode()) > CALLBACK_DATA_LIMIT:
            raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {data!r}")
        rows.append([InlineKeyboardButton(text=reply.label(option), callback_data=data)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def parts(reply: Reply) -> list[tuple[str, Markup | None]]:
    """The texts to send; a long text is split and the keyboard goes with the last part."""
    texts = split_text(reply.text, TEXT_LIMIT)
    markup = keyboard(reply)
    return [(text, markup if index == len(texts) - 1 else None) for index, text in enumerate(texts)]


def photo_of(reply: Reply, bot_id: int) -> str | None:
    """The reply's photo, if its file id is valid for this bot (a file id belongs to one bot)."""
    return file_of(reply, Photo, bot_id)


def voice_of(reply: Reply, bot_id: int) -> str | None:
    return file_of(reply, Voice, bot_id)


def file_of(reply: Reply, kind: type[SentFile], bot_id: int) -> str | None:
    """The reply's photo or voice file id, if it is valid for this bot."""
    media = reply.media
    if isinstance(media, kind) and media.channel == Channel.TELEGRAM and media.bot == bot_id:
        return media.ref
    return None
