"""A municipality's setup in the back office, for its administrator: villages and quarters,
departments (and their staff groups, linked by the code the bot posts there), categories and their
routes by quarter, and the
public holidays that working-day deadlines skip (one calendar for the deployment).

Every change goes through the services the command line uses (handlers/services/setup.py) or
their companions (setup_changes.py: ids looked up within the municipality, removal refused while
in use). Only an administrator of the session's municipality gets in (setup_forms.py); an id of
another municipality is not found, audited, and changes nothing. Changes apply at once: the bot
reads places and categories per message.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime

from aiohttp import web

from backoffice.web import texts
from backoffice.web.auth import do_audit_refusal
from backoffice.web.office import PREFIX, language_of, office_of, visit_of
from backoffice.web.render import render, say
from backoffice.web.setup_forms import FieldError, check_administrator, chosen_id, names, text
from bot.channels import CAPABILITIES
from handlers.config import BISHKEK
from handlers.errors import InvalidInput, NotFound
from handlers.i18n import N_
from handlers.services import setup, setup_changes
from handlers.services.places import quarter_choices
from handlers.services.reply_templates import reply_templates
from handlers.services.setup_changes import InUse, scoped
from handlers.staff.audit import do_audit
from storage.db import get_referenced
from storage.enums import DepartmentKind, Language
from storage.models import Category, Department, Municipality, Quarter, Village

PAGES = {"places": ("/setup", "setup_places.html"), "departments": ("/setup/departments", "setup_departments.html"),
         "categories": ("/setup/categories", "setup_categories.html"), "staff": ("/setup/staff", "setup_staff.html"),
         "holidays": ("/setup/holidays", "setup_holidays.html"),
         "templates": ("/setup/templates", "setup_templates.html")}
DONE = {
    "village": N_("The village is added."), "quarter": N_("The quarter is added."),
    "department": N_("The department is added."), "category": N_("The category is added; residents see it now."),
    "group": N_("The staff group is linked: the department's new requests go there."),
    "removed": N_("Removed."), "archived": N_("The category is no longer offered; its requests are kept."),
    "restored": N_("The category is offered again."),
    "revoked": N_("The role is revoked: it no longer works, in the staff group or here."),
    "route": N_("The route is added: this category's requests from that quarter go to that department."),
    "template": N_("The reply template is saved: staff see it on the request page."),
    "holiday": N_("The holiday is added: working-day deadlines skip it from now on."),
    "login": N_("The back-office login is made: give the person their login and password."),
}
IN_USE = {
    "quarters": N_("This village still has quarters: remove them first."),
    "residents": N_("Residents live in this quarter: it cannot be removed."),
    "requests": N_("There are requests for it, so it cannot be removed (a category can be archived instead)."),
    "staff": N_("Staff roles refer to it: revoke them first."),
    "routes": N_("Category routes refer to it: remove them first."),
    "categories": N_("Categories go to this department: give them another department first."),
}
CODE_FORMAT = N_("The short code is 2 to 40 Latin letters, digits or dashes, e.g. water.")
GROUP_CODE_DEAD = N_("No group has this code, or it was used or has expired. Remove the bot from the group and "
                     "add it again for a new code.")
ALREADY_EXISTS = N_("There is already one with this code or this name.")
ROUTE_TAKEN = N_("This category already has a route for this quarter: remove it first.")
HOLIDAY_DAY = N_("The day is a date from today on, e.g. 2027-01-07.")
HOLIDAY_TAKEN = N_("This day is already a holiday.")

Change = Callable[..., Awaitable[str]]
"""(session, what: Doing, form, **the URL's ids) → the key of the DONE message."""


@dataclass(frozen=True)
class Doing:
    """A change's context: the session's municipality, the administrator, the moment."""

    municipality: Municipality
    person_id: int
    now: datetime

    @property
    def today(self) -> date:
        return self.now.astimezone(BISHKEK).date()


async def setup_page(request: web.Request, page: str, *, status: int = 200, error: str | None = None,
                     **extra: object) -> web.Response:
    await check_administrator(request, page)
    office, visit = office_of(request), visit_of(request)
    async with office.db.reader() as session:
        view = await setup_changes.setup_view(session, visit.actor.municipality_id)
        municipality = await session.get(Municipality, visit.actor.municipality_id)
        if page == "holidays":
            extra["holidays"] = await setup_changes.upcoming_holidays(
                session, office.clock().astimezone(BISHKEK).date())
        elif page == "categories":
            extra["routes"] = await setup_changes.routes_by_category(session, visit.actor.municipality_id)
            extra["quarter_choices"] = await quarter_choices(session, visit.actor.municipality_id,
                                                             language_of(request))
        elif page == "templates":
            extra["templates"] = await reply_templates(session, visit.actor.municipality_id)
    done = request.query.get("done")
    extra.setdefault("form", {})
    extra.setdefault("invitation", None)
    return render(request, PAGES[page][1], status=status, view=view, municipality=municipality, error=error,
                  done=say(request, DONE[done]) if done in DONE else None, **extra)


def page_handler(page: str):
    async def show(request: web.Request) -> web.Response:
        return await setup_page(request, page)
    return show


def _short_code(form) -> str:
    code = text(form, "code", 41).lower()
    if not (2 <= len(code) <= 40 and code.isascii() and all(ch.isalnum() or ch in "-_" for ch in code)):
        raise FieldError(CODE_FORMAT)
    return code


async def run_change(request: web.Request, page: str, action: str, change: Change) -> web.Response:
    """Checks the role, runs the change in one unit of work with its audit entry, and answers."""
    await check_administrator(request, page)
    office, visit = office_of(request), visit_of(request)
    form = await request.post()
    try:
        async with office.db.transaction() as session:
            municipality = await get_referenced(session, Municipality, visit.actor.municipality_id)
            doing = Doing(municipality, visit.actor.person_id, office.clock())
            done = await change(session, doing, form, **request.match_info)
            do_audit(session, via="web", action=f"setup_{action}", now=office.clock(), allowed=True,
                     municipality_id=municipality.id, actor_person_id=visit.actor.person_id,
                     detail={k: str(v)[:100] for k, v in form.items() if k != "csrf" and "password" not in k})
    except FieldError as error:
        return await setup_page(request, page, status=400, error=say(request, str(error)), form=form)
    except InUse as error:
        return await setup_page(request, page, status=409, error=say(request, IN_USE[error.reason]))
    except NotFound:
        await do_audit_refusal(request, f"setup_{action}", reason="not in this municipality")
        return await setup_page(request, page, status=404, error=say(request, texts.NOT_FOUND))
    except InvalidInput:
        return await setup_page(request, page, status=400, error=say(request, ALREADY_EXISTS), form=form)
    raise web.HTTPSeeOther(f"{PREFIX}{PAGES[page][0]}?done={done}")


async def _add_village(session, doing: Doing, form) -> str:
    municipality = doing.municipality
    await setup.do_add_village(session, municipality, *names(form))
    return "village"


async def _add_quarter(session, doing: Doing, form) -> str:
    municipality = doing.municipality
    village = await scoped(session, Village, municipality.id, chosen_id(form, "village"))
    await setup.do_add_quarter(session, village, *names(form))
    return "quarter"


async def _add_department(session, doing: Doing, form) -> str:
    municipality = doing.municipality
    kind = DepartmentKind.ENTERPRISE if form.get("kind") == "enterprise" else DepartmentKind.DEPARTMENT
    code = _short_code(form)
    await setup.do_add_department(session, municipality, code, kind, *names(form))
    return "department"


async def _link_group(session, doing: Doing, form, id: str) -> str:
    municipality = doing.municipality
    department = await scoped(session, Department, municipality.id, int(id))
    language = Language.RU if form.get("language") == "ru" else Language.KY
    try:
        await setup.do_link_staff_group(session, department, text(form, "group_code", 40), language, CAPABILITIES,
                                        doing.now)
    except InvalidInput:
        raise FieldError(GROUP_CODE_DEAD) from None
    return "group"


async def _add_category(session, doing: Doing, form) -> str:
    municipality = doing.municipality
    department = await scoped(session, Department, municipality.id, chosen_id(form, "department"))
    code = _short_code(form)
    await setup.do_add_category(session, municipality, code, *names(form), department)
    return "category"


async def _archive_category(session, doing: Doing, form, id: str) -> str:
    municipality = doing.municipality
    active = form.get("active") == "1"
    await setup_changes.do_archive_category(session, municipality.id, int(id), active)
    return "restored" if active else "archived"


async def _add_route(session, doing: Doing, form, id: str) -> str:
    municipality_id = doing.municipality.id
    category = await scoped(session, Category, municipality_id, int(id))
    quarter = await scoped(session, Quarter, municipality_id, chosen_id(form, "quarter"))
    department = await scoped(session, Department, municipality_id, chosen_id(form, "department"))
    try:
        await setup.do_add_route(session, category, quarter, department)
    except InvalidInput:
        raise FieldError(ROUTE_TAKEN) from None
    return "route"


async def _add_holiday(session, doing: Doing, form) -> str:
    try:
        day = date.fromisoformat(text(form, "day", 10))
    except ValueError:
        raise FieldError(HOLIDAY_DAY) from None
    if day < doing.today:
        raise FieldError(HOLIDAY_DAY)
    name_ky, name_ru = names(form)
    try:
        await setup.do_add_holiday(session, day, name_ky, name_ru)
    except InvalidInput:
        raise FieldError(HOLIDAY_TAKEN) from None
    return "holiday"


async def _remove_holiday(session, doing: Doing, _form, id: str) -> str:
    await setup_changes.do_remove_holiday(session, int(id), doing.today)
    return "removed"


def removal(do_remove: Callable[..., Awaitable[None]]) -> Change:
    """A change that removes one thing of the municipality by the id in the URL (refused while in use)."""
    async def remove(session, doing: Doing, _form, id: str) -> str:
        await do_remove(session, doing.municipality.id, int(id))
        return "removed"
    return remove


def change_handler(page: str, action: str, change: Change):
    async def handler(request: web.Request) -> web.Response:
        return await run_change(request, page, action, change)
    return handler


ID = r"{id:\d{1,9}}"
CHANGES = (
    ("/setup/villages", "places", "add_village", _add_village),
    ("/setup/quarters", "places", "add_quarter", _add_quarter),
    (f"/setup/villages/{ID}/remove", "places", "remove_village", removal(setup_changes.do_remove_village)),
    (f"/setup/quarters/{ID}/remove", "places", "remove_quarter", removal(setup_changes.do_remove_quarter)),
    ("/setup/departments", "departments", "add_department", _add_department),
    (f"/setup/departments/{ID}/group", "departments", "link_group", _link_group),
    (f"/setup/departments/{ID}/remove", "departments", "remove_department",
     removal(setup_changes.do_remove_department)),
    ("/setup/categories", "categories", "add_category", _add_category),
    (f"/setup/categories/{ID}/remove", "categories", "remove_category", removal(setup_changes.do_remove_category)),
    (f"/setup/categories/{ID}/archive", "categories", "archive_category", _archive_category),
    (f"/setup/categories/{ID}/routes", "categories", "add_route", _add_route),
    (f"/setup/routes/{ID}/remove", "categories", "remove_route", removal(setup_changes.do_remove_route)),
    ("/setup/holidays", "holidays", "add_holiday", _add_holiday),
    (f"/setup/holidays/{ID}/remove", "holidays", "remove_holiday", _remove_holiday),
)


def add_setup_routes(app: web.Application) -> None:
    for page in ("places", "departments", "categories", "holidays"):
        app.router.add_get(PAGES[page][0], page_handler(page))
    for path, page, action, change in CHANGES:
        app.router.add_post(path, change_handler(page, action, change))
