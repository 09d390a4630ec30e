"""The core's reply payloads → Telegram messages with inline keyboards."""

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.delivery.sender import split_text
from handlers.envelope import encode_option

TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64


def keyboard(payload: dict) -> InlineKeyboardMarkup | None:
    """One button per row: big targets on a small screen."""
    options, nonce = payload.get("options") or [], payload.get("nonce") or 0
    if not options:
        return None
    rows = []
    for option in options:
        data = encode_option(nonce, option["value"])
        if len(data.encode()) > CALLBACK_DATA_LIMIT:
            raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {data!r}")
        rows.append([InlineKeyboardButton(text=option["label"], callback_data=data)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def parts(payload: dict) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The texts to send; a long text is split and the keyboard goes with the last part."""
    texts = split_text(payload["text"], TEXT_LIMIT)
    markup = keyboard(payload)
    return [(text, markup if index == len(texts) - 1 else None) for index, text in enumerate(texts)]
