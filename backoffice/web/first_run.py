"""The first-run page: the one-time link printed at the first start (backoffice/first_run.py) opens it.

The first person creates the deployment's operator account and the first municipality in one
form; the operator is also that municipality's administrator, so they can set it up at once.
The link's code (in the URL, 24 random bytes) is the form's secret: without it nothing is shown,
and it is used in the same unit of work that creates the account, so it works once.
"""

from aiohttp import web

from backoffice.web.auth import do_audit_refusal, set_session_cookie
from backoffice.web.office import FIRST_RUN_PATH, PREFIX, office_of
from backoffice.web.render import render, say
from backoffice.web.setup_forms import FieldError, create_municipality, municipality_fields, text
from handlers.errors import InvalidInput
from handlers.i18n import N_
from handlers.services import codes, setup
from handlers.staff import accounts
from handlers.staff.audit import do_audit
from storage.enums import CodePurpose, Language, Role
from storage.models import Person

LINK_DEAD = N_("This setup link does not work any more: it was used or has expired. Restart the service to "
               "get a new one (it is printed while nobody can log in yet), or log in.")
PASSWORDS_DIFFER = N_("The two passwords differ.")
ACCOUNT_FIELDS = N_("Give your name, a login (3 to 60 Latin letters, digits, dots or dashes) and a password of "
                    "10 to 200 characters.")


async def first_run_page(request: web.Request) -> web.Response:
    office = office_of(request)
    async with office.db.reader() as session:
        live = await codes.live_code(session, CodePurpose.FIRST_RUN, request.match_info["code"], office.clock())
    if live is None:
        await do_audit_refusal(request, "first_run", reason="dead link")
        return render(request, "message.html", status=404, message=say(request, LINK_DEAD))
    return _form(request, {})


def _form(request: web.Request, form, *, status: int = 200, error: str | None = None) -> web.Response:
    return render(request, "first_run.html", status=status, form=form, error=error,
                  action=FIRST_RUN_PATH + request.match_info["code"])


async def first_run_submit(request: web.Request) -> web.Response:
    office = office_of(request)
    form = await request.post()
    kept = {name: str(value)[:200] for name, value in form.items() if "password" not in name}
    try:
        fields = municipality_fields(form)
        name, login, password = text(form, "name"), text(form, "login", 61), str(form.get("password", ""))
        if password != str(form.get("password_again", "")):
            raise FieldError(PASSWORDS_DIFFER)
        if not name:
            raise FieldError(ACCOUNT_FIELDS)
        language = Language.RU if form.get("language") == "ru" else Language.KY
        async with office.db.transaction() as session:
            now = office.clock()
            used = await codes.do_use_code(session, CodePurpose.FIRST_RUN, request.match_info["code"], now,
                                           used_by=login)
            if used is None:
                return render(request, "message.html", status=404, message=say(request, LINK_DEAD))
            municipality = await create_municipality(session, fields)
            person = Person(language=language, display_name=name, created_at=now)
            session.add(person)
            await session.flush()
            await setup.do_grant_role(session, person, municipality, Role.ADMIN)
            try:
                account = await accounts.do_create_account(session, person, login, password, language)
            except InvalidInput:
                raise FieldError(ACCOUNT_FIELDS) from None
            account.operator = True
            do_audit(session, via="web", action="first_run", now=now, allowed=True, municipality_id=municipality.id,
                     actor_person_id=person.id, object_type="municipality", object_id=municipality.id)
            logged_in = await accounts.do_log_in(session, login, password, now=now)
    except FieldError as error:
        return _form(request, kept, status=400, error=say(request, str(error)))
    response = web.HTTPSeeOther(PREFIX + "/setup")
    set_session_cookie(response, office, logged_in.token)
    raise response


def add_first_run_routes(app: web.Application) -> None:
    app.router.add_get(r"/first-run/{code:[A-Za-z0-9]{1,100}}", first_run_page)
    app.router.add_post(r"/first-run/{code:[A-Za-z0-9]{1,100}}", first_run_submit)



