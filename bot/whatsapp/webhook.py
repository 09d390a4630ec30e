"""Twilio webhooks: incoming WhatsApp messages and status callbacks.

Both are checked with the twilio library's ``RequestValidator`` against the public URL
(the service usually sits behind a proxy, so the URL Twilio signed is a setting); a
forged or unsigned request gets 403 and nothing is stored. An incoming message is
recorded in the intake (idempotent by ``MessageSid``) and answered at once with an
empty TwiML response; the reply goes out later through the outbox.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from twilio.request_validator import RequestValidator

from bot.intake import Arrival, IntakeQueue
from handlers.envelope import sent_together
from storage.enums import Channel, OutboxStatus

log = logging.getLogger(__name__)
INCOMING_PATH = "/whatsapp/incoming"
STATUS_PATH = "/whatsapp/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
OUTSIDE_WINDOW = 63016
LATE_REPORT_RETRIES = (0.5, 2.0, 5.0, 10.0, 20.0)

StatusRecorder = Callable[[str, str, int | None, OutboxStatus | None], Awaitable[bool]]


def outcome_of(status: str, error_code: int | None) -> OutboxStatus | None:
    if status not in ("failed", "undelivered"):
        return None
    return OutboxStatus.NEEDS_TEMPLATE if error_code == OUTSIDE_WINDOW else OutboxStatus.FAILED


def add_whatsapp_routes(app: web.Application, *, auth_token: str, public_url: str, intake: IntakeQueue,
                        record_status: StatusRecorder) -> None:
    validator = RequestValidator(auth_token)
    base = public_url.rstrip("/")

    async def verified_form(request: web.Request) -> dict[str, str] | None:
        form = {key: value for key, value in (await request.post()).items() if isinstance(value, str)}
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or not validator.validate(base + request.path_qs, form, signature):
            log.warning("refused an unsigned or forged Twilio request to %s from %s", request.path, request.remote)
            return None
        return form

    async def incoming(request: web.Request) -> web.Response:
        form = await verified_form(request)
        if form is None:
            return web.Response(status=403)
        if not form.get("MessageSid") or not form.get("From", "").startswith("whatsapp:"):
            return web.Response(status=400, text="not a WhatsApp message")
        await intake.record(Channel.WHATSAPP, [Arrival(form["MessageSid"], form["From"], form)])
        return web.Response(text=EMPTY_TWIML, content_type="text/xml")

    async def status(request: web.Request) -> web.Response:
        form = await verified_form(request)
        if form is None:
            return web.Response(status=403)
        sid, report = form.get("MessageSid", ""), form.get("MessageStatus", "")
        code = int(form["ErrorCode"]) if (form.get("ErrorCode") or "").isdigit() else None
        if not await record_status(sid, report, code, outcome_of(report, code)):
            # Twilio can report before the delivery worker has recorded the sid it got back.
            task = asyncio.create_task(retry_later(sid, report, code))
            pending.add(task)
            task.add_done_callback(pending.discard)
        return web.Response(status=204)

    pending: set[asyncio.Task] = set()

    async def retry_later(sid: str, report: str, code: int | None) -> None:
        for delay in LATE_REPORT_RETRIES:
            await asyncio.sleep(delay)
            if await record_status(sid, report, code, outcome_of(report, code)):
                return
        log.info("status callback %s for a message we do not know (%s): ignored", report, sid)

    app.router.add_post(INCOMING_PATH, incoming)
    app.router.add_post(STATUS_PATH, status)


def processor(handle: Callable):
    """The intake processing function for WhatsApp items: the stored form (and those of the photos
    sent right after it, ``item.album``) → the core."""
    from bot.whatsapp.parse import form_to_incoming

    async def process(item) -> bool:
        others = [form_to_incoming(part.payload, part.id) for part in item.album]
        await handle(sent_together(form_to_incoming(item.payload, item.id), others))
        return True

    return process
