"""Keeps aiogram's response models alive for the Bot API methods we call.

aiogram parses every answer as ``Response[<the method's result type>]``, a pydantic generic
model built on first use and cached in a ``WeakValueDictionary``. Nothing else holds the
class, so the cyclic garbage collector drops it and the next call builds it again: about
10 ms each time, measured as 1.3 ms per update of the full request flow (bench/telegram_flow.py).
Holding the classes here makes them built once per process.
"""

from aiogram.client.session.base import Response
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageCaption,
    EditMessageText,
    GetFile,
    GetMe,
    GetUpdates,
    SendLocation,
    SendMessage,
    SendPhoto,
    SendVoice,
    SetWebhook,
)

METHODS = (AnswerCallbackQuery, EditMessageCaption, EditMessageText, GetFile, GetMe, GetUpdates, SendLocation,
           SendMessage, SendPhoto, SendVoice, SetWebhook)
_pinned: list[type] = []


def pin_response_models() -> tuple[type, ...]:
    """Builds (once) and holds the response model of each method we call; returns them."""
    if not _pinned:
        _pinned.extend(Response[method.__returning__] for method in METHODS)
    return tuple(_pinned)
