"""Fake Twilio REST API (2010-04-01 Messages resource, WhatsApp) for tests, speaking the real wire format.

    api = FakeTwilioAPI("AC" + "0" * 32, "token")
    base_url = await api.start()                      # http://127.0.0.1:PORT
    client = Client(api.account_sid, api.auth_token, http_client=AsyncTwilioHttpClient())
    client.api.base_url = base_url                    # the api.twilio.com Domain (2010-04-01 API)
    await client.messages.create_async(from_=api.whatsapp_from, to="whatsapp:+996700000001", body="Салам")
    sent = await api.wait_sent("whatsapp:+996700000001", 1)
    await api.send_status_callback(sent[0]["sid"], "delivered")
    await api.stop()

``client.api.base_url`` is the only attribute to change: ``client.messages`` is a shortcut to
``client.api.v2010.account.messages`` and every 2010-04-01 URL is built from that Domain's ``base_url``.
Keep ``TWILIO_EDGE``/``TWILIO_REGION`` unset (or set ``client.edge = client.region = None``): with either set
the client rewrites the host name of every URL (``127.0.0.1`` would become ``127.us1.0.1``).  Passing
``environment={}`` to ``Client`` does not help: an empty mapping falls back to ``os.environ``.

Requests: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with an x-www-form-urlencoded body
(``From``, ``To``, ``Body``, ``ContentSid``, ``ContentVariables`` (a JSON string), ``StatusCallback``, one
``MediaUrl`` field per media URL), HTTP Basic auth ``AccountSid:AuthToken``.  Answers 201 with a Message
resource, or Twilio's error body ``{"code", "message", "more_info", "status"}`` which the library raises as
``TwilioRestException`` (``.status`` = HTTP status, ``.code`` = Twilio error code).
A sent message's ``MediaUrl``s are fetched (a plain GET, as Twilio does) before the 201 and kept in
:attr:`FakeTwilioAPI.fetched`; one that does not answer 200 fails the message (error 63019).
Also served: ``GET …/Messages/{Sid}.json`` (current status) and ``GET …/Messages/{Sid}/Media/{MediaSid}``
(the media of inbound messages built by :meth:`FakeTwilioAPI.inbound_form`), both behind Basic auth.

The Content API (content.twilio.com, v1) on the same server: ``POST /v1/Content`` with a JSON body
``{"friendly_name", "language", "variables", "types": {"twilio/list-picker": {"body", "button", "items":
[{"item", "id", "description"}]}}}`` or ``"twilio/quick-reply": {"body", "actions": [{"title", "id"}]}}``,
answered 201 with the Content resource (``sid`` "HX…"); ``GET /v1/Content/{Sid}``.  A message sent with the
``ContentSid`` of such a resource is rendered with its ``ContentVariables`` ({{1}} …) and checked against
WhatsApp's in-session limits (list picker: 1–10 items, item ≤ 24, id ≤ 200, description ≤ 72, button ≤ 20
characters; quick reply: 1–3 actions, title ≤ 20; body ≤ 1024; a variable's value ≤ 255); the rendered content is kept in
:attr:`FakeTwilioAPI.rendered` by message sid and its body is the Message resource's ``body``, as on Twilio.
A phone answers a list picker with ``ListId``/``ListTitle`` and a quick reply with
``ButtonPayload``/``ButtonText`` (:meth:`FakeTwilioAPI.inbound_form`).
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web
from twilio.request_validator import RequestValidator

from tests.waiting import PATIENCE, Signal

API_VERSION = "2010-04-01"
MAX_WHATSAPP_BODY = 1600
WHATSAPP_ADDRESS = re.compile(r"whatsapp:\+[1-9]\d{1,14}")
CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")
STATUSES = frozenset({"queued", "sending", "sent", "delivered", "undelivered", "failed", "read", "accepted",
                      "scheduled", "canceled", "receiving", "received"})
# A real 16x16 baseline JPEG (CPython's Lib/test/imghdrdata/python.jpg, 543 bytes).
SAMPLE_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8Q"
    "EBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ"
    "EBAQEBAQEBD/wAARCAAQABADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAABwQF/8QAJBAAAQQBBAICAwAAAAAAAAAAAQID"
    "BAYFBwgSExEiABQJMTL/xAAVAQEBAAAAAAAAAAAAAAAAAAAABv/EACMRAAECBQMFAAAAAAAAAAAAAAECEQMEBQYhABIxFRZhgeH/"
    "2gAMAwEAAhEDEQA/ABSm0mobc8HmExLUlRzzEWPkJWW+ulrsaUVAseUgslSlH9LKuPryIKuWPZdskzXmm3fX5m2nF4GlVxx/HOpx"
    "4ks51+MiU/Iaad7UcUo4tILoS4kqcWkezS0hO/HvuRp0rO6hWnWO1UisZVuFi4GFeyEpmGepa5S5SWVPuciFKRFLgSrwetnyPIB+"
    "Vb4N9mKhQMzo5po9XLdDs9d6ZVix2VEhiL9kuNPxw2gEKcDQ/rs8AuA8VAe0vdl7VOYn+27flGAUgmITjbhSmCg3BYlyeWDkMolv"
    "w4KOp1KM6iCNvngZHwetf//Z")
SAMPLE_MEDIA = {"image/jpeg": SAMPLE_JPEG, "audio/ogg": b"OggS\x00\x02" + bytes(22),
                "video/mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom",
                "application/pdf": b"%PDF-1.4\n%%EOF\n"}
CONTENT_LIMITS = {  # WhatsApp's limits for content sent inside the 24-hour session (Twilio's docs)
    "twilio/list-picker": {"body": 1024, "button": 20, "items": 10, "item": 24, "id": 200, "description": 72},
    "twilio/quick-reply": {"body": 1024, "actions": 3, "title": 20, "id": 200},
}
VARIABLE_VALUE_LIMIT = 255
VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class TwilioError(Exception):
    def __init__(self, status: int, code: int, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def rfc2822_now() -> str:
    """Twilio's date format: ``Thu, 24 Aug 2023 05:01:45 +0000`` (locale independent)."""
    t = time.gmtime()
    return (f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000")


def whatsapp_address(phone: str) -> str:
    """``+996…``, ``996…`` or ``whatsapp:+996…`` -> ``whatsapp:+996…``."""
    if phone.startswith("whatsapp:"):
        return phone
    return "whatsapp:" + (phone if phone.startswith("+") else "+" + phone)


def _json(payload: Any, status: int) -> web.Response:
    return web.Response(body=json.dumps(payload, ensure_ascii=False).encode(), status=status,
                        content_type="application/json", charset="utf-8",
                        headers={"Twilio-Request-Id": new_sid("RQ")})


def _error(status: int, code: int, message: str) -> web.Response:
    response = _json({"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                      "status": status}, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
    return response


@dataclass(frozen=True)
class FetchedMedia:
    """A ``MediaUrl`` of a sent message, as the fake fetched it."""

    url: str
    status: int
    content_type: str
    data: bytes


class FakeTwilioAPI:
    """One Twilio account with one WhatsApp sender."""

    def __init__(self, account_sid: str, auth_token: str, *, whatsapp_from: str = "whatsapp:+996312000000"):
        self.account_sid, self.auth_token, self.whatsapp_from = account_sid, auth_token, whatsapp_from
        self.base_url = ""
        self.messages: list[dict] = []  # accepted Message resources, exactly as answered
        self.requests: list[dict] = []  # every Messages POST form; "MediaUrl" is a list, other fields str
        self.responses: list[int] = []  # HTTP status answered to requests[i]
        self.fail_next: list[tuple[int, int, str]] = []  # (http_status, twilio_code, message), consumed in order
        self.rejected_recipients: dict[str, tuple[int, str]] = {}  # "whatsapp:+…" -> (twilio_code, message)
        self.status: dict[str, str] = {}  # message sid -> latest status (moved on by send_status_callback)
        self.forms: dict[str, dict] = {}  # message sid -> the POST form that created it
        self.channel_install_sid = new_sid("XE")
        self._by_to: dict[str, list[dict]] = {}
        self._resources: dict[str, dict] = {}
        self._media: dict[str, tuple[str, bytes]] = {}  # media sid -> (content type, bytes)
        self._validator = RequestValidator(auth_token)
        self.sent_signal = Signal()  # notified on every message the API accepts
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        self._account_path = f"/{API_VERSION}/Accounts/{account_sid}"
        self.contents: dict[str, dict] = {}  # content sid -> Content resource, as created
        self.content_requests: list[dict] = []  # every POST /v1/Content JSON body
        self.content_down = False  # the Content API answers 503 while set
        self.posted: list[dict] = []  # every form posted to the application's webhooks, in order
        self.rendered: dict[str, dict] = {}  # message sid -> {"type": …, **the content with variables filled}
        self.fetched: dict[str, list[FetchedMedia]] = {}  # message sid -> its MediaUrls as fetched, in order

    # -- lifecycle -------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        base = "/" + API_VERSION + "/Accounts/{account}"
        app.router.add_post(base + "/Messages.json", self._handle_create)
        app.router.add_get(base + "/Messages/{sid}.json", self._handle_fetch)
        app.router.add_get(base + "/Messages/{sid}/Media/{media}", self._handle_media)
        app.router.add_post("/v1/Content", self._handle_content_create)
        app.router.add_get("/v1/Content/{sid}", self._handle_content_fetch)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.base_url

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTwilioAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- inspection ------------------------------------------------------------------
    def sent_to(self, to: str) -> list[dict]:
        """Accepted Message resources addressed to ``to`` (``whatsapp:+…`` or ``+…``), in order."""
        return list(self._by_to.get(whatsapp_address(to), ()))

    async def wait_sent(self, to: str, count: int, timeout: float = PATIENCE) -> list[dict]:
        """Wait until at least ``count`` messages were accepted for ``to`` in total; return them all."""
        to = whatsapp_address(to)

        def what() -> str:
            got = [m["body"] for m in self._by_to.get(to, ())]
            return f"expected {count} messages to {to} within {timeout}s, got {got}"
        await self.sent_signal.wait_until(lambda: len(self._by_to.get(to, ())) >= count, what, timeout=timeout)
        return self.sent_to(to)

    # -- webhooks (Twilio -> application) ----------------------------------------------
    def sign(self, url: str, params: dict) -> str:
        """X-Twilio-Signature for a POST of ``params`` to ``url``, signed with the account's auth token."""
        return self._validator.compute_signature(url, params)

    async def post_webhook(self, url: str, params: dict[str, str], *,
                           auth_token_for_signing: str | None = None) -> int:
        """POST a form to ``url`` the way Twilio does (signed); return the HTTP status."""
        validator = self._validator if auth_token_for_signing is None else RequestValidator(auth_token_for_signing)
        headers = {"X-Twilio-Signature": validator.compute_signature(url, params), "User-Agent": "TwilioProxy/1.1",
                   "I-Twilio-Idempotency-Token": str(uuid.uuid4()), "X-Home-Region": "us1"}
        self.posted.append(dict(params))
        if self._client is None:
            self._client = ClientSession()
        async with self._client.post(url, data=params, headers=headers) as response:
            await response.read()
            return response.status

    async def send_status_callback(self, message_sid: str, status: str, *, error_code: int | None = None,
                                   auth_token_for_signing: str | None = None) -> int:
        """POST Twilio's WhatsApp status callback for an accepted message to its StatusCallback URL."""
        if status not in STATUSES:
            raise ValueError(f"unknown message status {status!r}")
        form = self.forms.get(message_sid)
        if form is None:
            raise KeyError(f"no message {message_sid}")
        url = form.get("StatusCallback")
        if not url:
            raise ValueError(f"message {message_sid} was sent without a StatusCallback")
        resource = self._resources[message_sid]
        params = {"ChannelPrefix": "whatsapp", "ApiVersion": API_VERSION, "MessageStatus": status,
                  "SmsSid": message_sid, "SmsStatus": status, "ChannelInstallSid": self.channel_install_sid,
                  "To": resource["to"], "From": resource["from"], "MessageSid": message_sid,
                  "StructuredMessage": "false", "AccountSid": self.account_sid,
                  "ChannelToAddress": resource["to"].removeprefix("whatsapp:")}
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        self.status[message_sid] = status
        return await self.post_webhook(url, params, auth_token_for_signing=auth_token_for_signing)

    def inbound_form(self, from_phone: str, body: str = "", *, profile_name: str = "Айгүл",
                     media: Sequence[tuple[str, str | bytes]] = (), latitude: float | None = None,
                     longitude: float | None = None, address: str | None = None, label: str | None = None,
                     button_payload: str | None = None, button_text: str | None = None,
                     list_id: str | None = None, list_title: str | None = None, message_sid: str | None = None, message_type: str | None = None) -> dict[str, str]:
        """The form Twilio POSTs to the incoming-message webhook for a WhatsApp message from ``from_phone``.

        ``media`` is a list of ``(content_type, data)``; each is served by this fake under its MediaUrl
        (empty ``data`` serves a sample of that type, a real JPEG for ``image/jpeg``).  Like Twilio, a message
        with media gets an ``MM…`` sid, any other an ``SM…`` sid.
        """
        sender = whatsapp_address(from_phone)
        sid = message_sid or new_sid("MM" if media else "SM")
        if message_type is None:
            if list_id is not None:
                message_type = "interactive"
            elif button_payload is not None or button_text is not None:
                message_type = "button"
            elif latitude is not None:
                message_type = "location"
            elif media:
                kind = media[0][0].split("/", 1)[0]
                message_type = kind if kind in ("image", "audio", "video") else "document"
            else:
                message_type = "text"
        if not body and (button_text or list_title):
            body = button_text or list_title or ""  # Twilio puts the pressed button's or item's text in Body too
        form = {"SmsMessageSid": sid, "NumMedia": str(len(media)), "ProfileName": profile_name,
                "MessageType": message_type, "SmsSid": sid, "WaId": sender.removeprefix("whatsapp:+"),
                "SmsStatus": "received", "Body": body, "To": self.whatsapp_from, "NumSegments": "1",
                "ReferralNumMedia": "0", "MessageSid": sid, "AccountSid": self.account_sid, "From": sender,
                "ApiVersion": API_VERSION}
        base = self.base_url or "https://api.twilio.com"
        for n, (content_type, data) in enumerate(media):
            media_sid = new_sid("ME")
            if isinstance(data, str):
                data = data.encode()
            self._media[media_sid] = (content_type, data or SAMPLE_MEDIA.get(content_type, b"\x00" * 16))
            form[f"MediaContentType{n}"] = content_type
            form[f"MediaUrl{n}"] = f"{base}{self._account_path}/Messages/{sid}/Media/{media_sid}"
        if latitude is not None:
            form["Latitude"], form["Longitude"] = str(latitude), str(longitude)
        if address is not None:
            form["Address"] = address
        if label is not None:
            form["Label"] = label
        if button_payload is not None:
            form["ButtonPayload"] = button_payload
        if button_text is not None:
            form["ButtonText"] = button_text
        if list_id is not None:
            form["ListId"] = list_id
            form["ListTitle"] = list_title or ""
        return form

    async def answer_interactive(self, webhook_url: str, from_phone: str, message: dict, label: str, *,
                                 profile_name: str = "Айгүл") -> int:
        """Taps, on a phone, the list item or quick-reply button of ``message`` whose title contains ``label``."""
        content = self.rendered[message["sid"]]
        if content["type"] == "twilio/list-picker":
            choices = [(each["item"], each["id"]) for each in content["items"]]
        else:
            choices = [(each["title"], each["id"]) for each in content["actions"]]
        for title, choice_id in choices:
            if label.casefold() in title.casefold():
                if content["type"] == "twilio/list-picker":
                    form = self.inbound_form(from_phone, list_id=choice_id, list_title=title,
                                             profile_name=profile_name)
                else:
                    form = self.inbound_form(from_phone, button_payload=choice_id, button_text=title,
                                             profile_name=profile_name)
                return await self.post_webhook(webhook_url, form)
        raise AssertionError(f"no choice {label!r} in {[title for title, _ in choices]}")

    # -- HTTP layer ------------------------------------------------------------------
    def _authenticated(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization")
        if not header or request.match_info.get("account") != self.account_sid:
            return False
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            login, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
            return False
        return login == self.account_sid and password == self.auth_token

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        return _error(404, 20404, f"The requested resource {request.path} was not found")

    async def _handle_fetch(self, request: web.Request) -> web.Response:
        if not self._authenticated(request):
            return _error(401, 20003, "Authenticate")
        resource = self._resources.get(request.match_info["sid"])
        if resource is None:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        return _json(dict(resource, status=self.status[resource["sid"]]), 200)

    async def _handle_media(self, request: web.Request) -> web.Response:
        if not self._authenticated(request):
            return _error(401, 20003, "Authenticate")
        found = self._media.get(request.match_info["media"])
        if found is None:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        content_type, data = found
        return web.Response(body=data, content_type=content_type)

    def _content_authenticated(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        try:
            login, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except ValueError:
            return False
        return scheme.lower() == "basic" and (login, password) == (self.account_sid, self.auth_token)

    async def _handle_content_create(self, request: web.Request) -> web.Response:
        if not self._content_authenticated(request):
            return _error(401, 20003, "Authenticate")
        if self.content_down:
            return _error(503, 20503, "Service unavailable")
        if request.content_type != "application/json":
            return _error(400, 20001, "Content-Type must be application/json")
        try:
            payload = await request.json()
        except ValueError:
            return _error(400, 20001, "Invalid JSON body")
        self.content_requests.append(payload)
        types = {key: value for key, value in (payload.get("types") or {}).items() if value is not None}
        if not payload.get("language") or len(types) != 1:
            return _error(400, 20001, "A language and exactly one content type are required")
        (kind, content), = types.items()
        if kind not in CONTENT_LIMITS:
            return _error(400, 20001, f"Content type {kind} is not supported here")
        sid, now = "HX" + uuid.uuid4().hex, rfc2822_now()
        resource = {"account_sid": self.account_sid, "sid": sid, "friendly_name": payload.get("friendly_name"),
                    "language": payload["language"], "variables": payload.get("variables") or {},
                    "types": {kind: content}, "date_created": now, "date_updated": now,
                    "url": f"https://content.twilio.com/v1/Content/{sid}",
                    "links": {"approval_fetch": f"https://content.twilio.com/v1/Content/{sid}/ApprovalRequests"}}
        self.contents[sid] = resource
        return _json(resource, 201)

    async def _handle_content_fetch(self, request: web.Request) -> web.Response:
        if not self._content_authenticated(request):
            return _error(401, 20003, "Authenticate")
        if self.content_down:
            return _error(503, 20503, "Service unavailable")
        resource = self.contents.get(request.match_info["sid"])
        if resource is None:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        return _json(resource, 200)

    def _render(self, content_sid: str, variables: dict[str, str]) -> dict:
        """The content as the phone shows it: variables filled in, WhatsApp's limits checked."""
        resource = self.contents[content_sid]
        if any(len(str(value)) > VARIABLE_VALUE_LIMIT for value in variables.values()):
            raise TwilioError(400, 21656, "The ContentVariables Parameter is invalid: a value over 255 characters")
        values = {**resource["variables"], **variables}

        def fill(value: Any) -> Any:
            if isinstance(value, str):
                return VARIABLE.sub(lambda m: str(values.get(m.group(1), m.group(0))), value)
            if isinstance(value, list):
                return [fill(each) for each in value]
            if isinstance(value, dict):
                return {key: fill(each) for key, each in value.items() if each is not None}
            return value
        (kind, content), = resource["types"].items()
        rendered = {"type": kind, **fill(content)}
        limits = CONTENT_LIMITS[kind]
        choices = rendered.get("items" if kind == "twilio/list-picker" else "actions") or []
        too_long = [field for field in ("body", "button") if len(rendered.get(field) or "") > limits.get(field, 10**6)]
        for choice in choices:
            too_long += [field for field in ("item", "title", "id", "description")
                         if field in limits and len(choice.get(field) or "") > limits[field]]
        if not rendered.get("body") or not 1 <= len(choices) <= limits.get("items", limits.get("actions", 0)):
            raise TwilioError(400, 63013, "The content does not fit the channel: body and 1..max choices needed")
        if too_long:
            raise TwilioError(400, 63013, f"The content does not fit the channel: too long {sorted(set(too_long))}")
        if VARIABLE.search(json.dumps(rendered, ensure_ascii=False)):
            raise TwilioError(400, 21656, "The ContentVariables Parameter is invalid: a variable has no value")
        return rendered

    async def _handle_create(self, request: web.Request) -> web.Response:
        posted = await request.post()
        form: dict[str, Any] = {}
        for key in posted:
            if key not in form:
                form[key] = [str(v) for v in posted.getall(key)] if key == "MediaUrl" else str(posted[key])
        self.requests.append(form)
        if not self._authenticated(request):
            response = _error(401, 20003, "Authenticate")
        elif self.fail_next:
            response = _error(*self.fail_next.pop(0))
        else:
            try:
                resource = self._accept(form)
                await self._fetch_media(resource, form.get("MediaUrl", ()))
                response = _json(resource, 201)
            except TwilioError as e:
                response = _error(e.status, e.code, e.message)
        self.responses.append(response.status)
        return response

    async def _fetch_media(self, resource: dict, urls: Sequence[str]) -> None:
        """Fetches each ``MediaUrl`` as Twilio does (a plain GET, no credentials) and keeps what came in
        :attr:`fetched`; a URL that does not serve a file fails the message (error 63019), as on Twilio."""
        if not urls:
            return
        if self._client is None:
            self._client = ClientSession()
        got = self.fetched[resource["sid"]] = []
        for url in urls:
            try:
                async with self._client.get(url, headers={"User-Agent": "TwilioProxy/1.1"},
                                            timeout=ClientTimeout(total=PATIENCE)) as answer:
                    got.append(FetchedMedia(url, answer.status, answer.headers.get("Content-Type", ""),
                                            await answer.read()))
            except (ClientError, TimeoutError):  # nobody answers there
                got.append(FetchedMedia(url, 0, "", b""))
        if any(each.status != 200 for each in got):
            resource.update(status="failed", error_code=63019, error_message="Media failed to download")
            self.status[resource["sid"]] = "failed"
        self.sent_signal.notify()

    def _validate(self, form: dict[str, Any]) -> None:
        to, sender = form.get("To"), form.get("From")
        if not to:
            raise TwilioError(400, 21604, "A 'To' phone number is required.")
        if not WHATSAPP_ADDRESS.fullmatch(to):
            raise TwilioError(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if not sender:
            raise TwilioError(400, 21603, "A 'From' phone number is required.")
        if not WHATSAPP_ADDRESS.fullmatch(sender):
            raise TwilioError(400, 21212, f"Invalid 'From' Phone Number: {sender}")
        if sender != self.whatsapp_from:
            raise TwilioError(400, 63007, "Twilio could not find a Channel with the specified From address")
        callback = form.get("StatusCallback")
        if callback is not None and not re.match(r"https?://[^/\s]+", callback):
            raise TwilioError(400, 21609, f"The StatusCallback URL {callback} is not a valid URL.")
        body, content_sid = form.get("Body"), form.get("ContentSid")
        if content_sid is not None and not CONTENT_SID.fullmatch(content_sid):
            raise TwilioError(400, 21655, "The ContentSid is Invalid")
        if "ContentVariables" in form:
            try:
                variables = json.loads(form["ContentVariables"])
            except ValueError:
                variables = None
            if not isinstance(variables, dict):
                raise TwilioError(400, 21656, "The ContentVariables Parameter is invalid")
        if (bool(body) and content_sid is not None) or not (body or content_sid or form.get("MediaUrl")):
            # exactly one of Body / ContentSid (a media-only message is fine, as on Twilio)
            raise TwilioError(400, 21619, "A text message body or media URL must be specified")
        if body is not None and len(body) > MAX_WHATSAPP_BODY:
            raise TwilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit")
        rejected = self.rejected_recipients.get(to)
        if rejected is not None:
            raise TwilioError(400, *rejected)

    def _accept(self, form: dict[str, Any]) -> dict:
        self._validate(form)
        rendered = None
        if form.get("ContentSid") in self.contents:
            rendered = self._render(form["ContentSid"], json.loads(form.get("ContentVariables") or "{}"))
        sid, now = new_sid("SM"), rfc2822_now()
        uri = f"{self._account_path}/Messages/{sid}"
        resource = {
            "account_sid": self.account_sid, "api_version": API_VERSION,
            "body": rendered["body"] if rendered else form.get("Body", ""),
            "date_created": now, "date_sent": None, "date_updated": now, "direction": "outbound-api",
            "error_code": None, "error_message": None, "from": form["From"], "messaging_service_sid": None,
            "num_media": str(len(form.get("MediaUrl", ()))), "num_segments": "1", "price": None,
            "price_unit": "USD", "sid": sid, "status": "queued",
            "subresource_uris": {"media": uri + "/Media.json"}, "to": form["To"], "uri": uri + ".json",
        }
        if rendered is not None:
            self.rendered[sid] = rendered
        self.messages.append(resource)
        self._by_to.setdefault(resource["to"], []).append(resource)
        self._resources[sid], self.forms[sid], self.status[sid] = resource, form, "queued"
        self.sent_signal.notify()
        return resource


__all__ = ["FakeTwilioAPI", "FetchedMedia", "SAMPLE_JPEG", "TwilioError", "whatsapp_address"]
