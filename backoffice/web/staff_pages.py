"""Staff and roles in the back office: the administrator adds a person with a role and gets an
invitation (a Telegram deep link, a code for WhatsApp) to send them; revokes a role (at once, in
the staff groups and here); makes a new invitation for someone who lost theirs.
The invitation's code is shown once and stored only as a hash (handlers/invitations/service.py)."""

from aiohttp import web

from backoffice.web import texts
from backoffice.web.auth import do_audit_refusal
from backoffice.web.office import office_of, visit_of
from backoffice.web.render import say
from backoffice.web.setup_forms import FieldError, check_administrator, chosen_id, text
from backoffice.web.setup_pages import ID, Doing, run_change, setup_page
from handlers.errors import InvalidInput, NotFound
from handlers.i18n import N_
from handlers.invitations.service import INVITED_ROLES, do_invite_staff, do_new_invitation_code, do_revoke_role
from handlers.services.setup_changes import scoped
from handlers.staff import accounts
from handlers.staff.audit import do_audit
from storage.db import get_referenced
from storage.enums import Channel, Language, Role
from storage.models import Department, Municipality, Person, Quarter, RoleGrant

LOGIN_NEEDS = N_("A login is 3 to 60 Latin letters, digits, dots or dashes, not taken yet; a password has 10 to 200 "
                  "characters.")
ROLE_NEEDS = N_("Give the person's name and a role; department staff need a department, a kvartalkom head a quarter.")


async def invitation_shown(request: web.Request, municipality: Municipality, name: str, code: str) -> dict:
    ways = await office_of(request).invitation_ways(municipality.code, code) if office_of(request).invitation_ways \
        else {}
    return {"name": name, "code": code, "telegram": ways.get(Channel.TELEGRAM), "whatsapp": ways.get(Channel.WHATSAPP)}


async def staff_page(request: web.Request) -> web.Response:
    return await setup_page(request, "staff")


async def invite(request: web.Request) -> web.Response:
    await check_administrator(request, "staff")
    office, visit = office_of(request), visit_of(request)
    form = await request.post()
    try:
        role = Role(str(form.get("role", "")))
        if role not in INVITED_ROLES or not text(form, "name"):
            raise FieldError(ROLE_NEEDS)
        async with office.db.transaction() as session:
            municipality = await get_referenced(session, Municipality, visit.actor.municipality_id)
            department_id, quarter_id = chosen_id(form, "department", required=False), \
                chosen_id(form, "quarter", required=False)
            department = await scoped(session, Department, municipality.id, department_id) if department_id else None
            quarter = await scoped(session, Quarter, municipality.id, quarter_id) if quarter_id else None
            try:
                invitation = await do_invite_staff(
                    session, municipality, role, name=text(form, "name"), now=office.clock(),
                    language=Language.RU if form.get("language") == "ru" else Language.KY,
                    by_person_id=visit.actor.person_id, department=department, quarter=quarter)
            except InvalidInput:
                raise FieldError(ROLE_NEEDS) from None
            do_audit(session, via="web", action="setup_invite", now=office.clock(), allowed=True,
                     municipality_id=municipality.id, actor_person_id=visit.actor.person_id,
                     object_type="person", object_id=invitation.person.id, detail={"role": role.value})
    except (ValueError, FieldError):
        return await setup_page(request, "staff", status=400, error=say(request, ROLE_NEEDS), form=form)
    except NotFound:
        await do_audit_refusal(request, "setup_invite", reason="not in this municipality")
        return await setup_page(request, "staff", status=404, error=say(request, texts.NOT_FOUND))
    shown = await invitation_shown(request, municipality, invitation.person.display_name or "", invitation.code)
    return await setup_page(request, "staff", invitation=shown)


async def new_invitation(request: web.Request) -> web.Response:
    await check_administrator(request, "staff")
    office, visit = office_of(request), visit_of(request)
    await request.post()
    async with office.db.transaction() as session:
        municipality = await get_referenced(session, Municipality, visit.actor.municipality_id)
        grant = await session.get(RoleGrant, int(request.match_info["id"]))
        if grant is None or grant.municipality_id != municipality.id:
            code = None
        else:
            code = await do_new_invitation_code(session, grant, now=office.clock(), by_person_id=visit.actor.person_id)
            person = await get_referenced(session, Person, grant.person_id)
    if code is None:
        await do_audit_refusal(request, "setup_new_invitation", reason="not in this municipality")
        return await setup_page(request, "staff", status=404, error=say(request, texts.NOT_FOUND))
    shown = await invitation_shown(request, municipality, person.display_name or "", code)
    return await setup_page(request, "staff", invitation=shown)


async def _revoke(session, doing: Doing, _form, id: str) -> str:
    await do_revoke_role(session, doing.municipality.id, int(id))
    return "revoked"


async def revoke(request: web.Request) -> web.Response:
    return await run_change(request, "staff", "revoke_role", _revoke)


async def _give_login(session, doing: Doing, form, id: str) -> str:
    grant = await session.get(RoleGrant, int(id))
    if grant is None or grant.municipality_id != doing.municipality.id:
        raise NotFound(f"no role {id} in this municipality")
    person = await get_referenced(session, Person, grant.person_id)
    try:
        await accounts.do_create_account(session, person, text(form, "login", 61), str(form.get("password", "")),
                                         person.language)
    except InvalidInput:
        raise FieldError(LOGIN_NEEDS) from None
    return "login"


async def give_login(request: web.Request) -> web.Response:
    return await run_change(request, "staff", "give_login", _give_login)


def add_staff_routes(app: web.Application) -> None:
    app.router.add_get("/setup/staff", staff_page)
    app.router.add_post("/setup/staff", invite)
    app.router.add_post(f"/setup/staff/{ID}/revoke", revoke)
    app.router.add_post(f"/setup/staff/{ID}/invite", new_invitation)
    app.router.add_post(f"/setup/staff/{ID}/login", give_login)


