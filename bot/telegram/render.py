"""The core's reply payloads → Telegram messages with inline keyboards."""

from aiogram.types import (ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton,
                           ReplyKeyboardMarkup, ReplyKeyboardRemove)

from bot.delivery.sender import split_text
from handlers.envelope import encode_option

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64


Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


def keyboard(payload: dict) -> Markup | None:
    """One button per row: big targets on a small screen.

    A question that asks for a location or the person's own contact gets a reply keyboard
    instead, whose special button sends it in one tap (its other buttons send their words,
    which the core understands like a press). It hides itself after one use.
    """
    options, nonce = payload.get("options") or [], payload.get("nonce") or 0
    if payload.get("expects_reply"):
        return ForceReply(force_reply=True)  # a staff-chat prompt: the reply box opens for it
    if not options:
        return None
    if any(option.get("asks") for option in options):
        rows = [[KeyboardButton(text=o["label"], request_location=o.get("asks") == "location",
                                request_contact=o.get("asks") == "contact")] for o in options]
        return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, one_time_keyboard=True)
    rows = []
    for option in options:
        data = encode_option(nonce, option["value"])
        if len(data.encode()) > CALLBACK_DATA_LIMIT:
            raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {data!r}")
        rows.append([InlineKeyboardButton(text=option["label"], callback_data=data)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def parts(payload: dict) -> list[tuple[str, Markup | None]]:
    """The texts to send; a long text is split and the keyboard goes with the last part."""
    texts = split_text(payload["text"], TEXT_LIMIT)
    markup = keyboard(payload)
    return [(text, markup if index == len(texts) - 1 else None) for index, text in enumerate(texts)]


def photo_of(payload: dict, bot_id: int) -> str | None:
    """The payload's photo, if its file id is valid for this bot (a file id belongs to one bot)."""
    return file_of(payload, "photo", bot_id)


def file_of(payload: dict, kind: str, bot_id: int) -> str | None:
    """The payload's ``photo``/``voice`` file id, if it is valid for this bot."""
    media = payload.get(kind) or {}
    if media.get("ref") and media.get("channel") == "telegram" and media.get("bot") == bot_id:
        return media["ref"]
    return None
