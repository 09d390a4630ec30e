"""The WhatsApp channel through Twilio: signed webhooks in, the REST API out."""

import logging

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.adapter import Parts, Plugged
from bot.whatsapp.content import ContentCatalog
from bot.whatsapp.media import media_fetcher
from bot.whatsapp.media_links import MediaLinks, add_media_route
from bot.whatsapp.parse import album_of
from bot.whatsapp.render import BODY_LIMIT
from bot.whatsapp.sender import WhatsAppSender
from bot.whatsapp.webhook import STATUS_PATH, add_whatsapp_routes, processor
from handlers.envelope import Capabilities
from handlers.services.delivery_reports import do_record_delivery_report
from settings import Settings
from storage.enums import Channel, OutboxStatus

log = logging.getLogger(__name__)


class WhatsAppAdapter:
    channel = Channel.WHATSAPP
    capabilities = Capabilities(name="WhatsApp", numbered_choices=True, list_picker=True, text_limit=BODY_LIMIT)
    """Options go as a native list picker or quick replies where they fit (Twilio's Content API), else as
    numbered lines; a number answers either way. ``whatsapp_native_choices`` off: numbered lines only."""

    def enabled(self, settings: Settings) -> bool:
        needed = {"TWILIO_ACCOUNT_SID": settings.twilio_account_sid, "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
                  "TWILIO_WHATSAPP_FROM": settings.twilio_whatsapp_from, "PUBLIC_URL": settings.public_url}
        missing = [name for name, value in needed.items() if not value]
        if missing:
            log.warning("WhatsApp is off: %s not set (see README, 'WhatsApp through Twilio').", ", ".join(missing))
        return not missing

    async def plug_in(self, parts: Parts) -> Plugged:
        settings = parts.settings
        token = settings.twilio_auth_token.get_secret_value()
        client = Client(settings.twilio_account_sid, token, http_client=AsyncTwilioHttpClient())
        client.api.base_url = settings.twilio_api_url
        sender_number = settings.twilio_whatsapp_from
        if not sender_number.startswith("whatsapp:"):
            sender_number = "whatsapp:" + sender_number
        contents = (ContentCatalog(parts.db, settings.twilio_content_url, (settings.twilio_account_sid, token))
                    if settings.whatsapp_native_choices else None)
        links = MediaLinks(token, settings.public_url)
        fetch_file = media_fetcher(settings.twilio_api_url, (settings.twilio_account_sid, token))
        sender = WhatsAppSender(
            client, sender_number, status_callback=settings.public_url.rstrip("/") + STATUS_PATH,
            templates=settings.twilio_templates, messages_per_second=settings.whatsapp_messages_per_second,
            contents=contents, media_links=links)

        async def record_status(sid: str, report: str, code: int | None, outcome: OutboxStatus | None) -> bool:
            async with parts.db.transaction() as session:
                return await do_record_delivery_report(session, Channel.WHATSAPP, sid, report,
                                                       error_code=code, outcome=outcome)

        add_whatsapp_routes(parts.http, auth_token=token, public_url=settings.public_url, intake=parts.intake,
                            record_status=record_status)
        add_media_route(parts.http, links, parts.db, fetch_file)
        log.info("WhatsApp through Twilio is on, sending as %s", sender_number)
        async def invitation(_municipality: str, _code: str) -> str:
            return sender_number.removeprefix("whatsapp:")

        return Plugged(sender, processor(parts.core.handle), closers=[client.http_client.close], invitation=invitation,
                       fetch_file=fetch_file, album_of=lambda item: album_of(item.payload))
