"""What the setup pages share: reading their fields, the municipality fields (first run, operator),
and the guard that lets only a municipality's administrator (or the operator) in, auditing the rest."""

from dataclasses import dataclass

from aiohttp import web

from backoffice.web.auth import do_audit_refusal
from backoffice.web.office import visit_of
from handlers.errors import InvalidInput, NotAllowed
from handlers.i18n import N_

NAMES_NEEDED = N_("Give the name in Kyrgyz and in Russian (at most 200 characters each).")
CODE_NEEDED = N_("The code is 2 to 8 Latin letters or digits, e.g. ALM.")
CENTRE_NEEDED = N_("The centre is a latitude and a longitude (e.g. 42.88 and 74.63), the radius 1 to 500 km.")
DEADLINE_NEEDED = N_("The deadline is 1 to 60 days, calendar or working.")
CODE_TAKEN = N_("A municipality with this code already exists.")
SETUP_FAILED = N_("Some fields are not right. Please check them and try again.")


class FieldError(Exception):
    """A field the visitor must fix; carries the text (marked with N_) to show."""


def text(form, name: str, limit: int = 200) -> str:
    return " ".join(str(form.get(name, "")).split())[:limit]


def names(form) -> tuple[str, str]:
    ky, ru = text(form, "name_ky", 201), text(form, "name_ru", 201)
    if not (ky and ru and len(ky) <= 200 and len(ru) <= 200):
        raise FieldError(NAMES_NEEDED)
    return ky, ru


def chosen_id(form, name: str, *, required: bool = True) -> int | None:
    raw = str(form.get(name, "")).strip()
    if not raw and not required:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise FieldError(N_("Please choose one of the offered options."))
    return int(raw)


@dataclass(frozen=True)
class MunicipalityFields:
    code: str
    name_ky: str
    name_ru: str
    name_ru_genitive: str | None
    center: tuple[float, float] | None
    radius_km: float | None
    deadline_rule: str


def _number(form, name: str) -> float | None:
    raw = str(form.get(name, "")).strip().replace(",", ".")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise FieldError(CENTRE_NEEDED) from None


def municipality_fields(form) -> MunicipalityFields:
    code = text(form, "code", 20).upper()
    if not (code.isascii() and code.isalnum() and 2 <= len(code) <= 8):
        raise FieldError(CODE_NEEDED)
    name_ky, name_ru = names(form)
    lat, lon, radius = _number(form, "lat"), _number(form, "lon"), _number(form, "radius")
    if (lat is None) != (lon is None) or (lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180)) \
            or (radius is not None and not 1 <= radius <= 500):
        raise FieldError(CENTRE_NEEDED)
    days, count = str(form.get("deadline_days", "")).strip(), str(form.get("deadline_count", ""))
    if not days.isdigit() or not 1 <= int(days) <= 60 or count not in ("calendar", "working"):
        raise FieldError(DEADLINE_NEEDED)
    return MunicipalityFields(code, name_ky, name_ru, text(form, "name_ru_genitive") or None,
                              (lat, lon) if lat is not None and lon is not None else None, radius,
                              f"{count}:{int(days)}")


async def create_municipality(session, fields: MunicipalityFields):
    """Through the same service as the command line; a taken code is a field error."""
    from handlers.services import setup

    try:
        return await setup.do_create_municipality(
            session, fields.code, fields.name_ky, fields.name_ru, center=fields.center, radius_km=fields.radius_km,
            name_ru_genitive=fields.name_ru_genitive, deadline_rule=fields.deadline_rule)
    except InvalidInput as error:
        raise FieldError(CODE_TAKEN if "already exists" in str(error) else SETUP_FAILED) from None


async def check_administrator(request: web.Request, page: str) -> None:
    """Only an administrator of the session's municipality; a refusal is audited and changes nothing."""
    visit = visit_of(request)
    if not getattr(visit.actor, "administers", False):
        await do_audit_refusal(request, "setup", page=page)
        raise NotAllowed(f"setup page {page}")


async def check_operator(request: web.Request) -> None:
    if not visit_of(request).operator:
        await do_audit_refusal(request, "operator")
        raise NotAllowed("operator pages")
