"""The Open311 GeoReport v2 endpoints, an aiohttp sub-application mounted at ``/open311/v2``.

Every resource answers at ``.json`` and ``.xml``; every one but discovery takes ``jurisdiction_id``
(a municipality's code) in the query, or for a POST in the form. ``locale=ky|ru`` (default ru) picks
the language of names. Errors are the specification's error array with a 4xx status; too many
requests get 429 with ``Retry-After``.
"""

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.config import CoreConfig
from handlers.errors import InvalidInput, NotFound
from handlers.services import places
from handlers.services.setup import municipality_by_code
from handlers.transparency.keys import active_client
from handlers.transparency.public_requests import DEFAULT_SPAN, STATES, Filters, public_requests
from handlers.transparency.submit import Posted, do_submit_posted, ticket_of_token
from public.limits import Windows
from public.open311 import records
from public.open311.formats import Open311Error, answer, error_answer
from storage.db import Database
from storage.enums import Language
from storage.models import Department, Municipality
from storage.types import utcnow

log = logging.getLogger(__name__)
PREFIX = "/open311/v2"
FMT = "{fmt:(json|xml)}"
TRUE = {"true", "1", "yes", "on"}


@dataclass(frozen=True)
class Open311:
    db: Database
    config: CoreConfig
    windows: Windows
    public_url: str | None
    wake: Callable[[], None]
    contact: str = "The municipality's administrator"


API = web.AppKey("open311", Open311)


def _fmt(request: web.Request) -> str:
    return request.match_info.get("fmt") or ("xml" if request.path.endswith(".xml") else "json")


def _limited(window, caller: str, what: str) -> None:
    wait = window.retry_after(caller)
    if wait is not None:
        raise Open311Error(429, f"too many {what}; try again in {math.ceil(wait)} s",
                           headers={"Retry-After": str(max(1, math.ceil(wait)))})


@web.middleware
async def errors_and_limits(request: web.Request, handler):
    try:
        _limited(request.app[API].windows.reads, request.remote or "?", "requests from this address")
        return await handler(request)
    except Open311Error as error:
        return error_answer(_fmt(request), error)
    except web.HTTPMethodNotAllowed:
        return error_answer(_fmt(request), Open311Error(405, f"{request.method} is not allowed here"))
    except web.HTTPNotFound:
        return error_answer(_fmt(request), Open311Error(
            404, "no such resource: the resources are discovery, services, services/<code>, requests, "
                 "requests/<id> and tokens/<token>, each with .json or .xml"))


def _language(request: web.Request) -> Language:
    value = request.query.get("locale", "ru").lower()[:2]
    return Language.KY if value == "ky" else Language.RU


async def _jurisdiction(session: AsyncSession, code: str | None) -> Municipality:
    if not code:
        raise Open311Error(400, "jurisdiction_id is required (the municipality's code, e.g. ALM)")
    try:
        return await municipality_by_code(session, code.strip())
    except NotFound:
        raise Open311Error(404, f"jurisdiction_id {code.strip()!r} is not known") from None


async def _discovery(request: web.Request) -> web.Response:
    api = request.app[API]
    base = (api.public_url.rstrip("/") if api.public_url else f"{request.scheme}://{request.host}") + PREFIX + "/"
    return answer(_fmt(request), "discovery", None, records.discovery(base, api.contact),
                  item_names={"endpoints": "endpoint", "formats": "format"})


async def _services(request: web.Request) -> web.Response:
    api, language = request.app[API], _language(request)
    async with api.db.reader() as session:
        municipality = await _jurisdiction(session, request.query.get("jurisdiction_id"))
        departments = await _departments(session, municipality.id)
        body = [records.service(c, departments.get(c.department_id or 0), language)
                for c in await places.categories(session, municipality.id)]
    return answer(_fmt(request), "services", "service", body)


async def _departments(session: AsyncSession, municipality_id: int) -> dict[int, Department]:
    query = sa.select(Department).where(Department.municipality_id == municipality_id)
    return {d.id: d for d in (await session.scalars(query)).all()}


async def _service_definition(request: web.Request) -> web.Response:
    api = request.app[API]
    code = request.match_info["code"]
    async with api.db.reader() as session:
        municipality = await _jurisdiction(session, request.query.get("jurisdiction_id"))
        found = [c for c in await places.categories(session, municipality.id) if c.code == code]
    if not found:
        raise Open311Error(404, f"service_code {code!r} is not a service of {municipality.code}")
    return answer(_fmt(request), "service_definition", None, records.service_definition(found[0]))


def _listed(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _moment(request: web.Request, name: str, tz, *, end: bool) -> datetime | None:
    value = request.query.get(name, "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace(" ", "+"))  # a '+' of an offset may arrive as a space
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C date and time, e.g. 2026-12-01T00:00:00+06:00") from None
    if moment.tzinfo is None:
        if len(value) == 10 and end:  # a bare date as end_date: to the end of that day
            moment = datetime.combine(moment.date(), time.max)
        moment = moment.replace(tzinfo=tz)
    return moment


def _filters(request: web.Request, tz) -> Filters:
    states = tuple(s.lower() for s in _listed(request.query.get("status")))
    wrong = [s for s in states if s not in STATES]
    if wrong:
        raise Open311Error(400, f"status must be open or closed (comma-separated), not {', '.join(wrong)}")
    start = _moment(request, "start_date", tz, end=False)
    end = _moment(request, "end_date", tz, end=True)
    if start and end and end < start:
        raise Open311Error(400, "end_date is before start_date")
    if start and end and end - start > DEFAULT_SPAN + timedelta(days=1):
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    return Filters(tickets=_listed(request.query.get("service_request_id")),
                   category_codes=_listed(request.query.get("service_code")), start=start, end=end, states=states)


async def _requests(request: web.Request, filters: Filters | None = None) -> web.Response:
    api, language = request.app[API], _language(request)
    tz = api.config.timezone
    filters = filters or _filters(request, tz)
    async with api.db.reader() as session:
        municipality = await _jurisdiction(session, request.query.get("jurisdiction_id"))
        found = await public_requests(session, municipality, filters, utcnow())
    if filters.tickets and len(filters.tickets) == 1 and not found:
        raise Open311Error(404, f"service_request_id {filters.tickets[0]!r} is not a public request of "
                                f"{municipality.code}")
    body = [records.service_request(item, language, tz) for item in found]
    return answer(_fmt(request), "service_requests", "request", body)


async def _one_request(request: web.Request) -> web.Response:
    return await _requests(request, Filters(tickets=(request.match_info["id"],)))


async def _token(request: web.Request) -> web.Response:
    api = request.app[API]
    token = request.match_info["token"]
    async with api.db.reader() as session:
        municipality = await _jurisdiction(session, request.query.get("jurisdiction_id"))
        ticket = await ticket_of_token(session, municipality.id, token)
    if ticket is None:
        raise Open311Error(404, "no request has this token in this jurisdiction")
    return answer(_fmt(request), "service_requests", "request", [{"service_request_id": ticket, "token": token}])


async def _post_request(request: web.Request) -> web.Response:
    api = request.app[API]
    _limited(api.windows.posts, request.remote or "?", "new requests from this address")
    form = await request.post()

    def field(name: str) -> str | None:
        value = form.get(name, request.query.get(name))
        return value if isinstance(value, str) else None
    key = field("api_key")
    if not key:
        raise Open311Error(403, "api_key is required to post a request")
    _limited(api.windows.keys, key, "new requests with this api_key")
    posted = Posted(service_code=field("service_code") or "", description=field("description") or "",
                    lat=field("lat"), long=field("long"), address_string=field("address_string"),
                    email=field("email"), phone=field("phone"),
                    private=(field("attribute[private]") or "").lower() in TRUE)
    async with api.db.transaction() as session:
        municipality = await _jurisdiction(session, field("jurisdiction_id"))
        client = await active_client(session, municipality.id, key)
        if client is None:
            raise Open311Error(403, f"api_key is not valid for {municipality.code} (unknown, revoked or "
                                    "another jurisdiction's)")
        try:
            created, token = await do_submit_posted(session, municipality, client, posted, utcnow(), api.config)
        except InvalidInput as error:
            raise Open311Error(400, str(error)) from None
        log.info("open311: client #%s posted %s", client.id, created.ticket)
        ticket = created.ticket
    api.wake()
    body = [{"service_request_id": ticket, "token": token, "service_notice": None, "account_id": None}]
    return answer(_fmt(request), "service_requests", "request", body)


def build_open311(api: Open311) -> web.Application:
    """The sub-application; add it with ``app.add_subapp(PREFIX, build_open311(api))``."""
    app = web.Application(middlewares=[errors_and_limits])
    app[API] = api
    app.router.add_get(f"/discovery.{FMT}", _discovery)
    app.router.add_get(f"/services.{FMT}", _services)
    app.router.add_get(f"/services/{{code}}.{FMT}", _service_definition)
    app.router.add_get(f"/requests.{FMT}", _requests)
    app.router.add_post(f"/requests.{FMT}", _post_request)
    app.router.add_get(f"/requests/{{id}}.{FMT}", _one_request)
    app.router.add_get(f"/tokens/{{token}}.{FMT}", _token)
    return app
