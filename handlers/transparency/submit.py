"""A request posted through Open311 (``POST requests``) by a client with this municipality's key.

It goes through the same service as the messengers' (``do_submit_request``: number, route,
deadline). The reporter is a person of their own whose only contact is the e-mail or phone the
client gave (kept with the submission); a name the client sends is not stored. Anything wrong
raises ``InvalidInput`` before a row is written.
"""

import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.config import CoreConfig
from handlers.errors import InvalidInput
from handlers.services.people import canonical_phone
from handlers.services.requests import Draft, do_submit_request
from handlers.transparency.models import EMAIL_MAX, Open311Client, Open311Submission
from handlers.transparency.private import do_mark_private
from handlers.transparency.settings import quarter_centres
from storage.enums import Channel, Language
from storage.models import Category, Municipality, Person, Request

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
KYRGYZ_LETTERS = set("ңөүҢӨҮ")
CONSENT_VERSION = "open311"
TOKEN_BYTES = 18
MAX_ADDRESS = 300


@dataclass(frozen=True)
class Posted:
    """What a client sent, as text (the web side parses nothing but the form)."""

    service_code: str
    description: str
    lat: str | None = None
    long: str | None = None
    address_string: str | None = None
    email: str | None = None
    phone: str | None = None
    private: bool = False


def _point(posted: Posted) -> tuple[float, float] | None:
    if posted.lat in (None, "") and posted.long in (None, ""):
        return None
    try:
        latitude, longitude = float(posted.lat or ""), float(posted.long or "")
    except ValueError:
        raise InvalidInput("lat and long must be decimal degrees, e.g. lat=42.88&long=74.62") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or math.isnan(latitude) or math.isnan(longitude):
        raise InvalidInput("lat is -90..90 and long -180..180")
    return latitude, longitude


def _contact(posted: Posted) -> tuple[str | None, str | None]:
    email = (posted.email or "").strip() or None
    if email is not None and (len(email) > EMAIL_MAX or not _EMAIL.match(email)):
        raise InvalidInput("email is not an e-mail address")
    phone = None
    if (posted.phone or "").strip():
        phone = canonical_phone(posted.phone)
        if phone is None:
            raise InvalidInput("phone is not a phone number")
    if email is None and phone is None:
        raise InvalidInput("email or phone is required: the only way to reach the reporter")
    return email, phone


def check_posted(posted: Posted, config: CoreConfig) -> tuple[tuple[float, float] | None, str | None, str | None]:
    """The point and the contact (email, phone) of a valid post; ``InvalidInput`` otherwise."""
    if not posted.service_code.strip():
        raise InvalidInput("service_code is required")
    description = posted.description.strip()
    if not description:
        raise InvalidInput("description is required")
    if len(description) > config.max_description_chars:
        raise InvalidInput(f"description is longer than {config.max_description_chars} characters")
    point = _point(posted)
    address = (posted.address_string or "").strip()
    if point is None and not address:
        raise InvalidInput("a location is required: lat and long, or address_string")
    if len(address) > MAX_ADDRESS:
        raise InvalidInput(f"address_string is longer than {MAX_ADDRESS} characters")
    return point, *_contact(posted)


async def _nearest_quarter(session: AsyncSession, municipality_id: int,
                           point: tuple[float, float] | None) -> int | None:
    if point is None:
        return None
    centres = await quarter_centres(session, municipality_id)
    if not centres:
        return None
    scale = math.cos(math.radians(point[0]))

    def distance(centre: tuple[float, float]) -> float:
        return (centre[0] - point[0]) ** 2 + ((centre[1] - point[1]) * scale) ** 2
    return min(centres, key=lambda quarter_id: distance(centres[quarter_id]))


async def do_submit_posted(session: AsyncSession, municipality: Municipality, client: Open311Client, posted: Posted,
                           now: datetime, config: CoreConfig) -> tuple[Request, str]:
    """The new request and its token."""
    point, email, phone = check_posted(posted, config)
    category = (await session.execute(sa.select(Category).where(
        Category.municipality_id == municipality.id, Category.code == posted.service_code.strip(),
        Category.active.is_(True)))).scalar_one_or_none()
    if category is None:
        raise InvalidInput(f"service_code {posted.service_code.strip()!r} is not a service of {municipality.code}")
    description = posted.description.strip()
    language = Language.KY if KYRGYZ_LETTERS & set(description) else Language.RU
    person = Person(municipality_id=municipality.id, language=language, consent_at=now,
                    consent_version=CONSENT_VERSION, created_at=now,
                    quarter_id=await _nearest_quarter(session, municipality.id, point))
    session.add(person)
    await session.flush()
    draft = Draft(category_id=category.id, description=description,
                  latitude=point[0] if point else None, longitude=point[1] if point else None,
                  address_text=(posted.address_string or "").strip() or None)
    request = await do_submit_request(session, person=person, channel=Channel.CONSOLE, draft=draft,
                                      language=language, now=now, config=config)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(Open311Submission(request_id=request.id, client_id=client.id, token=token, email=email, phone=phone))
    if posted.private:
        await do_mark_private(session, request, now)
    return request, token


async def ticket_of_token(session: AsyncSession, municipality_id: int, token: str) -> str | None:
    query = (sa.select(Request.ticket).join(Open311Submission, Open311Submission.request_id == Request.id)
             .where(Open311Submission.token == token, Request.municipality_id == municipality_id))
    return (await session.execute(query)).scalar_one_or_none()
