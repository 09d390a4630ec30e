"""A municipality's public settings and its quarters' centres, as its administrator sets them."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import InvalidInput, NotFound
from handlers.transparency.models import LICENCE_MAX, PublicSettings, QuarterCentre
from storage.models import Municipality, Quarter


async def public_settings(session: AsyncSession, municipality_id: int) -> PublicSettings:
    """The municipality's settings; defaults (no descriptions, no licence, no channel) if never set."""
    found = await session.get(PublicSettings, municipality_id)
    return found or PublicSettings(municipality_id=municipality_id, show_descriptions=False)


async def _settings_row(session: AsyncSession, municipality_id: int) -> PublicSettings:
    found = await session.get(PublicSettings, municipality_id)
    if found is None:
        found = PublicSettings(municipality_id=municipality_id, show_descriptions=False)
        session.add(found)
    return found


async def do_set_descriptions(session: AsyncSession, municipality: Municipality, show: bool) -> None:
    (await _settings_row(session, municipality.id)).show_descriptions = show


async def do_set_licence(session: AsyncSession, municipality: Municipality, licence: str) -> None:
    licence = licence.strip()
    if len(licence) > LICENCE_MAX:
        raise InvalidInput(f"a licence line is at most {LICENCE_MAX} characters")
    (await _settings_row(session, municipality.id)).licence = licence or None


async def do_set_channel(session: AsyncSession, municipality: Municipality, channel: str | None) -> None:
    if channel and not channel.startswith("telegram:"):
        raise InvalidInput("the public channel is a Telegram address: telegram:<bot id>:<chat id>")
    (await _settings_row(session, municipality.id)).channel = channel or None


async def do_set_quarter_centre(session: AsyncSession, municipality: Municipality, quarter_id: int,
                                latitude: float, longitude: float) -> Quarter:
    quarter = await session.get(Quarter, quarter_id)
    if quarter is None or quarter.municipality_id != municipality.id:
        raise NotFound(f"no quarter #{quarter_id} in {municipality.code}")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidInput("latitude is -90..90 and longitude -180..180")
    centre = await session.get(QuarterCentre, quarter_id)
    if centre is None:
        session.add(QuarterCentre(quarter_id=quarter_id, latitude=latitude, longitude=longitude))
    else:
        centre.latitude, centre.longitude = latitude, longitude
    return quarter


async def quarter_centres(session: AsyncSession, municipality_id: int) -> dict[int, tuple[float, float]]:
    query = (sa.select(QuarterCentre).join(Quarter, Quarter.id == QuarterCentre.quarter_id)
             .where(Quarter.municipality_id == municipality_id))
    return {c.quarter_id: (c.latitude, c.longitude) for c in (await session.scalars(query)).all()}
