"""A resident's WhatsApp photo shown again (e.g. «My requests» → «🖼 Show the photos»).

Twilio sends media only from a URL it fetches itself, and the photo lives at Twilio behind the
account's credentials. So the service serves it on its public base URL at a signed link:

    {PUBLIC_URL}/whatsapp/media/<reference>.<expires>.<signature>

The signature is an HMAC-SHA256 (a key derived from the Twilio auth token, the same in every
process of the deployment) over the reference and the expiry; a link expires after ``LINK_LIFETIME``.
A forged, altered or expired link gets 403; a link to a file that no request holds, 404. The bytes
are fetched from Twilio (``bot/whatsapp/media.py``) when the link is opened and not kept.
"""

import base64
import binascii
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from aiohttp import web

from storage.db import Database
from storage.enums import Channel
from storage.models import RequestAttachment
from storage.types import utcnow

log = logging.getLogger(__name__)
MEDIA_PATH = "/whatsapp/media/"
LINK_LIFETIME = timedelta(minutes=30)
"""Twilio fetches the file within seconds of the send; a retry or a slow queue fits well inside."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class MediaLinks:
    def __init__(self, auth_token: str, public_url: str, *, clock: Callable[[], datetime] = utcnow,
                 lifetime: timedelta = LINK_LIFETIME) -> None:
        self._key = hmac.new(auth_token.encode(), b"kairyl: whatsapp media links", hashlib.sha256).digest()
        self.base, self.clock, self.lifetime = public_url.rstrip("/") + MEDIA_PATH, clock, lifetime

    def _signature(self, reference: str, expires: int) -> str:
        return _b64(hmac.new(self._key, f"{reference}\n{expires}".encode(), hashlib.sha256).digest())

    def url_for(self, file_ref: str) -> str:
        """A link that serves the file of ``file_ref`` (a Twilio media URL) until it expires."""
        reference, expires = _b64(file_ref.encode()), int((self.clock() + self.lifetime).timestamp())
        return f"{self.base}{reference}.{expires}.{self._signature(reference, expires)}"

    def file_ref_of(self, token: str) -> str | None:
        """The file reference a link was signed for; ``None`` if it is forged, altered or expired."""
        reference, _, rest = token.partition(".")
        expires, _, signature = rest.partition(".")
        if not expires.isdigit() or not hmac.compare_digest(signature.encode(),
                                                            self._signature(reference, int(expires)).encode()):
            return None
        if int(expires) < self.clock().timestamp():
            return None
        try:
            return _unb64(reference).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None


def add_media_route(app: web.Application, links: MediaLinks, db: Database,
                    fetch: Callable[[str], Awaitable[tuple[bytes, str]]]) -> None:
    async def serve(request: web.Request) -> web.Response:
        file_ref = links.file_ref_of(request.match_info["token"])
        if file_ref is None:
            log.warning("refused a forged or expired media link from %s", request.remote)
            return web.Response(status=403)
        async with db.reader() as session:
            held = await session.scalar(sa.select(RequestAttachment.id).where(
                RequestAttachment.channel == Channel.WHATSAPP, RequestAttachment.file_ref == file_ref).limit(1))
        if held is None:
            return web.Response(status=404)
        try:
            data, content_type = await fetch(file_ref)
        except Exception as error:  # noqa: BLE001 - Twilio lost it, or is unreachable: the caller may retry
            log.warning("media %s could not be fetched from Twilio: %r", held, error)
            return web.Response(status=502)
        return web.Response(body=data, content_type=content_type.split(";")[0],
                            headers={"Cache-Control": "private, no-store"})

    app.router.add_get(MEDIA_PATH + "{token}", serve)
