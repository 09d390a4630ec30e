"""Sending outbox messages through Twilio's REST API (the twilio library's async client).

Inside the 24-hour customer-service window a free-form body goes out; outside it, the
approved template (Content SID) configured for the message's template key, with its
variables; with none configured the message is held as 'needs_template' for staff.
A replacement of an earlier message (``edit_of``) is skipped: WhatsApp cannot edit.
Inside the window, a reply with options that fit goes as a native list picker or quick replies
(``bot/whatsapp/content.py``); when they do not fit, or the Content API cannot give a resource,
it goes as numbered lines, which every WhatsApp can show. A photo the resident sent goes with its
text as the caption, from a signed link to the service (``bot/whatsapp/media_links.py``).
"""

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.delivery.limiter import Cancelled, SlidingWindowLimiter
from bot.delivery.sender import ClaimLost, NeedsTemplate, Outgoing, PermanentFailure, RetryLater, TransientFailure
from bot.whatsapp.content import ContentCatalog, ContentUnavailable, interactive
from bot.whatsapp.media_links import MediaLinks
from bot.whatsapp.render import bodies
from handlers.envelope import Photo
from storage.enums import Channel
from storage.types import utcnow

SERVICE_WINDOW = timedelta(hours=24)
OUTSIDE_WINDOW_ERRORS = {63016}
log = logging.getLogger(__name__)


class WhatsAppSender:
    channel = Channel.WHATSAPP
    per_chat_interval = 0.0

    def __init__(self, client: Client, from_number: str, *, status_callback: str | None,
                 templates: dict[str, str], messages_per_second: int = 80,
                 clock: Callable[[], datetime] = utcnow, contents: ContentCatalog | None = None,
                 media_links: MediaLinks | None = None) -> None:
        self.client, self.from_number, self.contents, self.media_links = client, from_number, contents, media_links
        self.status_callback, self.templates, self.clock = status_callback, templates, clock
        self.limiter = SlidingWindowLimiter(messages_per_second, 1.0)

    def limiters_by_lane(self) -> dict[str, SlidingWindowLimiter]:
        return {f"{self.channel.value}:": self.limiter}

    def in_window(self, message: Outgoing) -> bool:
        last = message.last_inbound_at
        return last is not None and self.clock() - last < SERVICE_WINDOW

    async def send(self, message: Outgoing) -> str | None:
        if message.reply.edit_of:
            return None  # WhatsApp cannot edit a message; a progress line is not worth a new one
        if self.in_window(message):
            media = self._media_url(message)
            native = await self._native(message) if media is None else None
            if native is not None:
                return native
            sid = None
            for text in bodies(message.reply):
                sid = await self._create(message, body=text, **({"media_url": [media]} if media else {}))
                media = None  # on the first part, as its caption
            return sid
        template = message.reply.template
        content_sid = self.templates.get(template.key) if template else None
        if not content_sid:
            wanted = template.key if template else "a reply"
            raise NeedsTemplate(f"outside the 24-hour window and no template for {wanted}")
        return await self._create(message, content_sid=content_sid,
                                  content_variables=json.dumps(dict(template.variables), ensure_ascii=False))

    def _media_url(self, message: Outgoing) -> str | None:
        """A signed link to a photo the resident sent on WhatsApp (Twilio fetches it); others go as text."""
        media = message.reply.media
        if self.media_links is None or not isinstance(media, Photo) or media.channel != Channel.WHATSAPP:
            return None
        return self.media_links.url_for(media.ref)

    async def _native(self, message: Outgoing) -> str | None:
        """Sends the reply as a list picker or quick replies; ``None`` where numbered lines must do."""
        shape = interactive(message.reply) if self.contents is not None else None
        if shape is None or self.contents is None:
            return None
        try:
            content_sid = await self.contents.sid_for(shape)
        except ContentUnavailable as error:
            log.warning("numbered lines instead of a %s: %s", shape.shape, error)
            return None
        try:
            return await self._create(message, content_sid=content_sid,
                                      content_variables=json.dumps(shape.variables, ensure_ascii=False))
        except PermanentFailure as refused:  # e.g. a text WhatsApp will not take in a variable
            log.warning("numbered lines instead of a %s that Twilio refused: %s", shape.shape, refused)
            return None

    async def _create(self, message: Outgoing, **content: str | list[str]) -> str:
        extra = {"status_callback": self.status_callback} if self.status_callback else {}
        try:
            async with self.limiter.slot(message.priority, message.settled, message.still_ours):
                created = await self.client.messages.create_async(from_=self.from_number, to=message.address,
                                                                  **content, **extra)
        except Cancelled as error:
            raise ClaimLost() from error
        except TwilioRestException as error:
            if error.status == 429:
                self.limiter.pause(1.0)
                raise RetryLater(1.0, f"Twilio {error.code}: {error.msg}") from error
            if error.status >= 500:
                raise TransientFailure(f"Twilio {error.status} {error.code}: {error.msg}") from error
            if error.code in OUTSIDE_WINDOW_ERRORS:
                raise NeedsTemplate(f"Twilio {error.code}: {error.msg}") from error
            raise PermanentFailure(f"Twilio {error.code}: {error.msg}") from error
        return created.sid
