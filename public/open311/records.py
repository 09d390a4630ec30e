"""What each GeoReport v2 resource holds, built from what the transparency feature makes public."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.transparency.public_requests import PublicRequest
from storage.enums import Language
from storage.models import Category, Department

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-06T00:00:00+06:00"
"""When the services or the endpoint last changed in a way a client should notice."""


def w3c(moment: datetime, tz: ZoneInfo) -> str:
    """``2026-12-07T09:30:00+06:00``: W3C date and time with the municipality's offset."""
    return moment.astimezone(tz).isoformat(timespec="seconds")


def discovery(url: str, contact: str) -> dict[str, Any]:
    return {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": "Keys for POST requests are issued by each municipality's administrator.",
        "endpoints": [{"specification": SPECIFICATION, "url": url, "changeset": CHANGESET, "type": "production",
                       "formats": ["application/json", "text/xml"]}],
    }


def service(category: Category, department: Department | None, language: Language) -> dict[str, Any]:
    name = category.name_ky if language == Language.KY else category.name_ru
    group = (department.name_ky if language == Language.KY else department.name_ru) if department else ""
    return {"service_code": category.code, "service_name": name, "description": name, "metadata": False,
            "type": "realtime", "keywords": "", "group": group}


def service_definition(category: Category) -> dict[str, Any]:
    return {"service_code": category.code, "attributes": []}


def service_request(item: PublicRequest, language: Language, tz: ZoneInfo) -> dict[str, Any]:
    place = [named(language) for named in (item.village, item.quarter) if named is not None]
    return {
        "service_request_id": item.ticket,
        "status": item.state,
        "status_notes": None,
        "service_name": item.category(language),
        "service_code": item.category_code,
        "description": item.description,
        "agency_responsible": item.department(language) if item.department else None,
        "service_notice": None,
        "requested_datetime": w3c(item.requested_at, tz),
        "updated_datetime": w3c(item.updated_at, tz),
        "expected_datetime": w3c(item.expected_at, tz),
        "address": ", ".join(place) or None,
        "address_id": None,
        "zipcode": None,
        "lat": item.point[0] if item.point else None,
        "long": item.point[1] if item.point else None,
        "media_url": None,
    }
