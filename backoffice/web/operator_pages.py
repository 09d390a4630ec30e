"""The operator's pages: the deployment's municipalities with their health (the bots that serve
them, messages waiting to be sent, overdue requests), and a new municipality with an invitation for
its first administrator. Only the operator's account gets in; a refusal is audited."""

from aiohttp import web

from backoffice.web.office import office_of, visit_of
from backoffice.web.render import render, say
from backoffice.web.setup_forms import FieldError, check_operator, create_municipality, municipality_fields, text
from backoffice.web.staff_pages import invitation_shown
from handlers.i18n import N_
from handlers.invitations.service import do_invite_staff
from handlers.services import setup
from handlers.services.health import municipality_health
from handlers.staff.audit import do_audit
from storage.db import get_referenced
from storage.enums import Channel, Language, Role
from storage.models import Person

ADMIN_NAME_NEEDED = N_("Give the name of the municipality's first administrator.")


def _bots(ways: dict) -> list[str]:
    """What serves the municipality: ``@bot`` on Telegram, the WhatsApp number."""
    shown = []
    if Channel.TELEGRAM in ways:
        shown.append("Telegram @" + ways[Channel.TELEGRAM].split("t.me/", 1)[1].split("?", 1)[0])
    if Channel.WHATSAPP in ways:
        shown.append("WhatsApp " + ways[Channel.WHATSAPP])
    return shown


async def operator_page(request: web.Request, *, status: int = 200, error: str | None = None,
                        form=None, invitation: dict | None = None) -> web.Response:
    await check_operator(request)
    office = office_of(request)
    async with office.db.reader() as session:
        health = await municipality_health(session, office.clock())
    bots = {h.municipality.id: _bots(await office.invitation_ways(h.municipality.code, "0"))
            if office.invitation_ways else [] for h in health}
    return render(request, "operator.html", status=status, health=health, bots=bots, error=error, form=form or {},
                  invitation=invitation)


async def _show(request: web.Request) -> web.Response:
    return await operator_page(request)


async def add_municipality(request: web.Request) -> web.Response:
    await check_operator(request)
    office, visit = office_of(request), visit_of(request)
    form = await request.post()
    try:
        fields = municipality_fields(form)
        admin_name = text(form, "admin_name")
        if not admin_name:
            raise FieldError(ADMIN_NAME_NEEDED)
        async with office.db.transaction() as session:
            now = office.clock()
            municipality = await create_municipality(session, fields)
            invitation = await do_invite_staff(
                session, municipality, Role.ADMIN, name=admin_name, now=now, by_person_id=visit.actor.person_id,
                language=Language.RU if form.get("admin_language") == "ru" else Language.KY)
            if form.get("me_too") == "1":  # the operator also administers it (to set it up at once)
                operator = await get_referenced(session, Person, visit.actor.person_id)
                await setup.do_grant_role(session, operator, municipality, Role.ADMIN)
            do_audit(session, via="web", action="operator_add_municipality", now=now, allowed=True,
                     municipality_id=municipality.id, actor_person_id=visit.actor.person_id,
                     object_type="municipality", object_id=municipality.id)
    except FieldError as error:
        return await operator_page(request, status=400, error=say(request, str(error)), form=form)
    shown = await invitation_shown(request, municipality, admin_name, invitation.code)
    return await operator_page(request, invitation=shown)


def add_operator_routes(app: web.Application) -> None:
    app.router.add_get("/operator", _show)
    app.router.add_post("/operator/municipalities", add_municipality)
