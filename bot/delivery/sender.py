"""What a channel's sender promises the delivery worker, and how it reports failures.

DeliveryError
 ├── RetryLater         the platform asked us to wait (HTTP 429 retry_after)
 ├── Unreachable        the person blocked the bot or left (HTTP 403): stop sending to them
 ├── PermanentFailure   the message can never be sent as it is (HTTP 400 and the like)
 ├── NeedsTemplate      WhatsApp, outside the 24-hour window, with no approved template configured
 ├── TransientFailure   network trouble or a 5xx: try again with back-off
 └── ClaimLost          not sent: this instance's heartbeat lapsed, another may hold the message
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from handlers.envelope import Reply
from storage.enums import Channel


class DeliveryError(Exception):
    pass


class RetryLater(DeliveryError):
    def __init__(self, seconds: float, reason: str = "rate limited") -> None:
        super().__init__(reason)
        self.seconds = seconds


class Unreachable(DeliveryError):
    pass


class PermanentFailure(DeliveryError):
    pass


class TransientFailure(DeliveryError):
    pass


class NeedsTemplate(DeliveryError):
    """Outside the platform's service window and no approved template: hold it for staff."""


@dataclass(frozen=True)
class ClaimLost(DeliveryError):
    """This instance may no longer hold the message (its heartbeat lapsed): it goes back unsent."""


@dataclass
class Outgoing:
    """One outbox row as a sender sees it."""

    id: int
    channel: Channel
    address: str
    reply: Reply
    attempts: int
    last_inbound_at: datetime | None = None
    """When the person last wrote to us on this identity (WhatsApp's 24-hour window)."""
    identity_id: int = 0
    priority: int = 0
    """The outbox priority: a sender's limiter lets lower numbers go first."""
    refs: dict[str, str | None] = field(default_factory=dict)
    """Platform ids of the messages the reply points at by outbox id (``edit_of``, ``reply_to``);
    ``None`` while the message pointed at is not sent yet."""
    settled: asyncio.Future | None = field(default=None, compare=False, repr=False)
    """Done once the worker has recorded this message's outcome: a sender passes it to its limiter,
    which counts the message against its limit until then (see ``SlidingWindowLimiter.slot``)."""
    still_ours: Callable[[], bool] | None = field(default=None, compare=False, repr=False)
    """Asked when the limiter lets the message go: false, and it is not sent (``ClaimLost``)."""


class Sender(Protocol):
    channel: Channel
    per_chat_interval: float
    """Seconds between two messages to one chat (0 for none)."""

    def lanes(self) -> dict[str, int]:
        """Address prefixes that have a limit of their own (one per Telegram bot), each with how many
        messages the worker keeps claimed ahead for it. Optional: without it, one lane per channel.
        A sender whose lanes have limits says which limiter is each lane's (``limiters_by_lane``):
        with several instances the worker gives them the slots the database hands out
        (``bot.delivery.slots``)."""
        ...

    async def send(self, message: Outgoing) -> str | None:
        """Sends the message; returns the platform's message id. Raises a DeliveryError."""
        ...


def split_text(text: str, limit: int) -> list[str]:
    """Splits a long text into parts of at most ``limit`` characters, at line or word breaks."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    parts.append(text)
    return parts
