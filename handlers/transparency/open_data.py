"""Open data: a month's public requests as CSV (UTF-8 with a BOM, so spreadsheets read Cyrillic),
the same fields as the Open311 API, after a first line with the licence the municipality set."""

import csv
import io
from datetime import date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.transparency.figures import month_start
from handlers.transparency.public_requests import Filters, Named, public_requests
from handlers.transparency.settings import public_settings
from storage.models import Municipality

COLUMNS = ["service_request_id", "service_code", "service_name_ky", "service_name_ru", "status",
           "requested_datetime", "updated_datetime", "expected_datetime", "agency_responsible_ky",
           "agency_responsible_ru", "village_ky", "village_ru", "quarter_ky", "quarter_ru", "lat", "long",
           "description"]
NO_LICENCE = "no licence set by the municipality"


def month_range(month: date, tz) -> tuple[datetime, datetime]:
    start = datetime.combine(month_start(month), time(0), tzinfo=tz)
    end = datetime.combine(month_start(month, -1), time(0), tzinfo=tz)
    return start, end


def _pair(named: Named | None) -> tuple[str, str]:
    return (named.ky, named.ru) if named is not None else ("", "")


async def month_csv(session: AsyncSession, municipality: Municipality, month: date, tz, now: datetime) -> str:
    start, end = month_range(month, tz)
    found = await public_requests(session, municipality, Filters(start=start, end=end, limit=None), now)
    licence = (await public_settings(session, municipality.id)).licence or NO_LICENCE
    out = io.StringIO()
    out.write(f"# {municipality.code} {start:%Y-%m}. Licence: {licence}\r\n")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for item in reversed(found):  # oldest first, as a register reads
        if item.requested_at >= end:
            continue
        writer.writerow([
            item.ticket, item.category_code, item.category.ky, item.category.ru, item.state,
            item.requested_at.astimezone(tz).isoformat(timespec="seconds"),
            item.updated_at.astimezone(tz).isoformat(timespec="seconds"),
            item.expected_at.astimezone(tz).isoformat(timespec="seconds"),
            *_pair(item.department), *_pair(item.village), *_pair(item.quarter),
            *(item.point or ("", "")), item.description or ""])
    return "\ufeff" + out.getvalue()
