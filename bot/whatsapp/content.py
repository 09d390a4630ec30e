"""WhatsApp's native choices through Twilio's Content API: a list picker for up to 10 options,
quick-reply buttons for up to 3.

One Content resource serves every message of a *shape* (its kind, how many choices, in how many
parts the body goes): all its texts are variables — the body in parts of at most 255 characters
(Twilio's limit for one variable's value), then the list's button, then each choice's title and
id — filled in per message with ``ContentVariables``. So a handful of resources serve the whole
service; each is created once and kept in the database (``whatsapp_contents``), so a restart or
another instance reuses it. A reply that does not fit (a title longer than WhatsApp shows, too
many options, a long body) is ``None`` here and goes as numbered lines (``render.bodies``).

The choice ids are our option payloads (``"<nonce>:<value>"``): a phone answers a list picker
with ``ListId`` and a quick reply with ``ButtonPayload``, which ``parse`` reads as the option.
"""

import json
import logging
from dataclasses import dataclass, field

import aiohttp
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from handlers.envelope import Reply, encode_option
from handlers.i18n import N_, gettext
from storage.db import Database
from storage.enums import Language
from storage.models import WhatsAppContent

log = logging.getLogger(__name__)

LIST_PICKER, QUICK_REPLY = "twilio/list-picker", "twilio/quick-reply"
BODY_LIMIT = 1024
VALUE_LIMIT = 255
"""Characters of one variable's value."""
ID_LIMIT = 200
LIMITS = {QUICK_REPLY: (3, 20), LIST_PICKER: (10, 24)}
"""Choices and characters of a choice's title, as WhatsApp shows them inside the 24-hour session
(quick replies first: up to three short choices are buttons, more or longer ones a list)."""
LIST_BUTTON = N_("Choose")


@dataclass(frozen=True)
class Interactive:
    """A reply as a native choice: which resource shape, and the values of its variables."""

    kind: str
    choices: int
    body_parts: int
    variables: dict[str, str] = field(hash=False)

    @property
    def shape(self) -> str:
        return f"{self.kind.removeprefix('twilio/')}:{self.choices}x{self.body_parts}"


def _button(language: Language | None) -> str:
    if language:
        return gettext(language, LIST_BUTTON)
    return " / ".join(gettext(each, LIST_BUTTON) for each in (Language.KY, Language.RU))


def interactive(reply: Reply) -> Interactive | None:
    """The reply as a list picker or quick replies, or ``None`` where only numbered lines fit."""
    if reply.nonce is None or not reply.text.strip() or len(reply.text) > BODY_LIMIT:
        return None
    options = [option for option in reply.options if option.asks is None]  # no button can send a location
    titles = [reply.label(option) for option in options]
    ids = [encode_option(reply.nonce, option.value) for option in options]
    if not options or len(set(titles)) < len(titles) or any(len(each) > ID_LIMIT for each in ids):
        return None
    kind = next((kind for kind, (most, longest) in LIMITS.items()
                 if len(options) <= most and all(len(title) <= longest for title in titles)), None)
    if kind is None:
        return None
    parts = [reply.text[start:start + VALUE_LIMIT] for start in range(0, len(reply.text), VALUE_LIMIT)]
    values = list(parts) + ([_button(reply.language)] if kind == LIST_PICKER else [])
    for title, choice_id in zip(titles, ids, strict=True):
        values += [title, choice_id]
    return Interactive(kind, len(options), len(parts), {str(n): v for n, v in enumerate(values, start=1)})


def definition(shape: Interactive) -> dict:
    """The Content API's create body for a shape: every text a numbered variable, with samples."""
    names = iter(range(1, len(shape.variables) + 1))
    body = "".join(f"{{{{{next(names)}}}}}" for _ in range(shape.body_parts))
    if shape.kind == LIST_PICKER:
        button = f"{{{{{next(names)}}}}}"
        items = [{"item": f"{{{{{next(names)}}}}}", "id": f"{{{{{next(names)}}}}}"} for _ in range(shape.choices)]
        content: dict = {"body": body, "button": button, "items": items}
    else:
        content = {"body": body, "actions": [{"type": "QUICK_REPLY", "title": f"{{{{{next(names)}}}}}",
                                              "id": f"{{{{{next(names)}}}}}"} for _ in range(shape.choices)]}
    samples = {str(n): f"sample {n}" for n in range(1, len(shape.variables) + 1)}
    return {"friendly_name": f"kairyl_{shape.shape.replace(':', '_')}", "language": "ru",
            "variables": samples, "types": {shape.kind: content}}


class ContentUnavailable(Exception):
    """The Content API could not give a resource for a shape (down, refused): send numbered lines."""


class ContentCatalog:
    """Content SIDs by shape: from memory, else the database, else created at Twilio (and stored).

    Twilio's Python library (9.x) form-encodes the JSON body of a Content create in its async
    client, so the Content API is spoken here with aiohttp directly (JSON, HTTP Basic auth).
    """

    def __init__(self, db: Database, api_url: str, credentials: tuple[str, str]) -> None:
        self.db, self.api_url = db, api_url.rstrip("/")
        self.headers = {"Authorization": aiohttp.encode_basic_auth(*credentials)}
        self.known: dict[str, str] = {}

    async def sid_for(self, shape: Interactive) -> str:
        if shape.shape in self.known:
            return self.known[shape.shape]
        async with self.db.reader() as session:
            stored = await session.scalar(sa.select(WhatsAppContent.content_sid)
                                          .where(WhatsAppContent.shape == shape.shape))
        if stored is None or not await self._exists(stored):
            stored = await self._create(shape)
        self.known[shape.shape] = stored
        return stored

    async def _request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        try:
            async with aiohttp.ClientSession(headers=self.headers) as http:
                async with http.request(method, self.api_url + path, json=body,
                                        timeout=aiohttp.ClientTimeout(total=15)) as response:
                    text = await response.text()
                    return response.status, json.loads(text) if text else {}
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise ContentUnavailable(f"Content API {method} {path}: {error!r}") from error

    async def _exists(self, sid: str) -> bool:
        """Whether a stored resource still exists at Twilio (checked once per process and shape)."""
        status, _ = await self._request("GET", f"/v1/Content/{sid}")
        if status >= 500 or status in (401, 403, 429):
            raise ContentUnavailable(f"Content API fetch of {sid}: HTTP {status}")
        return status == 200

    async def _create(self, shape: Interactive) -> str:
        status, answer = await self._request("POST", "/v1/Content", definition(shape))
        if status != 201 or not str(answer.get("sid", "")).startswith("HX"):
            raise ContentUnavailable(f"Content API create of {shape.shape}: HTTP {status} {answer}")
        sid = answer["sid"]
        async with self.db.transaction() as session:
            await session.execute(sa.delete(WhatsAppContent).where(WhatsAppContent.shape == shape.shape,
                                                                   WhatsAppContent.content_sid != sid))
            insert = postgresql.insert if self.db.dialect == "postgresql" else sqlite.insert
            await session.execute(insert(WhatsAppContent).values(shape=shape.shape, content_sid=sid)
                                  .on_conflict_do_nothing(index_elements=["shape"]))
        log.info("created WhatsApp content %s for %s", sid, shape.shape)
        return sid
