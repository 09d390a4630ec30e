"""Logging in and out, the session cookie, CSRF checks, the municipality and the language.

The cookie carries a random token (HttpOnly, SameSite=Lax, Secure behind HTTPS); the
database keeps only its hash. Every POST of a signed-in visitor carries the session's
CSRF token; the log-in form carries a token of its own (double submit). Refusals are
written to the audit log and answered with a page in the visitor's language.
"""

import hmac
import logging
import secrets
from urllib.parse import quote

from aiohttp import web

from backoffice.web import texts
from backoffice.web.office import (
    COOKIE,
    FIRST_RUN_PATH,
    LANGUAGE_COOKIE,
    LOGIN_CSRF_COOKIE,
    PREFIX,
    VISIT,
    Office,
    Visit,
    language_of,
    office_of,
    safe_next,
    visit_of,
)
from backoffice.web.render import render, say
from handlers.config import BISHKEK
from handlers.dates import at_moment
from handlers.staff import accounts
from handlers.staff.audit import do_audit
from storage.enums import Language

log = logging.getLogger(__name__)
LOGIN = PREFIX + "/login"
LANGUAGE = PREFIX + "/language"
PUBLIC_PATHS = {LOGIN, LANGUAGE}
PUBLIC_PREFIXES = (PREFIX + "/static/", FIRST_RUN_PATH)


async def load_visit(request: web.Request, office: Office) -> Visit | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    now = office.clock()
    async with office.db.reader() as session:
        found = await accounts.signed_in(session, token, now=now)
        if found is None:
            return None
        municipalities = await accounts.staff_municipalities(session, found.account.person_id)
    if accounts.needs_touch(found.session, now):
        async with office.db.transaction() as session:
            await accounts.do_touch_session(session, found.session.id, now)
    actor = await office.desk.actor(found.account.person_id, found.session.municipality_id, via="web",
                                    language=found.account.language)
    if actor is None and office.legal is not None:  # a lawyer: legal questions only
        actor = await office.legal.web_actor(found.account.person_id, found.session.municipality_id,
                                             found.account.language)
    if actor is None:
        return None
    return Visit(token=token, session_id=found.session.id, csrf=found.session.csrf_token,
                 account_id=found.account.id, login=found.account.login, actor=actor,
                 municipality_count=len(municipalities), operator=found.account.operator)


async def do_audit_refusal(request: web.Request, action: str, **detail: object) -> None:
    """A refusal the desk did not see (a forged form, a missing session), in the audit log and the log."""
    office = office_of(request)
    visit = request.get(VISIT)
    log.warning("back office refused %s %s from %s: %s %s", request.method, request.path, request.remote, action,
                detail)
    async with office.db.transaction() as session:
        do_audit(session, via="web", action=action, now=office.clock(), allowed=False,
                 municipality_id=visit.actor.municipality_id if visit else None,
                 actor_person_id=visit.actor.person_id if visit else None,
                 detail={"path": request.path[:200], **detail})


@web.middleware
async def guard(request: web.Request, handler):
    """Signed-in visitors only (except the log-in page and static files); CSRF on every POST."""
    public = request.path in PUBLIC_PATHS or request.path.startswith(PUBLIC_PREFIXES)
    visit = None if request.path.startswith(PREFIX + "/static/") else await load_visit(request, office_of(request))
    request[VISIT] = visit
    if visit is None and not public:
        if request.method == "POST":
            await do_audit_refusal(request, "post_without_session")
        raise web.HTTPSeeOther(LOGIN + "?next=" + quote(request.path_qs if request.method == "GET" else PREFIX + "/"))
    if visit is not None and request.method == "POST":
        try:
            form = await request.post()
        except web.HTTPRequestEntityTooLarge:
            return render(request, "message.html", status=413, message=say(request, texts.UPLOAD_TOO_LARGE))
        if not hmac.compare_digest(str(form.get("csrf", "")).encode(), visit.csrf.encode()):
            await do_audit_refusal(request, "csrf")
            return render(request, "message.html", status=403, message=say(request, texts.FORGED_FORM))
    return await handler(request)


def _cookie_options(office: Office) -> dict:
    return {"httponly": True, "samesite": "Lax", "secure": office.secure_cookies, "path": PREFIX}


async def login_page(request: web.Request) -> web.Response:
    if request.get(VISIT) is not None:
        raise web.HTTPSeeOther(safe_next(request.query.get("next")))
    return _login_form(request, status=200)


def _login_form(request: web.Request, *, status: int, error: str | None = None, login: str = "",
                target: str | None = None) -> web.Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", status=status, error=error, login=login, form_token=token,
                      next=safe_next(target or request.query.get("next")))
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, **_cookie_options(office_of(request)))
    return response


async def login_submit(request: web.Request) -> web.Response:
    office = office_of(request)
    form = await request.post()
    login, password = str(form.get("login", "")).strip()[:60], str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(str(form.get("form_token", "")).encode(), expected.encode()):
        await do_audit_refusal(request, "log_in", reason="csrf", login=login)
        return _login_form(request, status=403, error=say(request, texts.LOGIN_FORM_EXPIRED), login=login,
                           target=target)
    async with office.db.transaction() as session:
        outcome = await accounts.do_log_in(session, login, password[:accounts.MAX_PASSWORD_CHARS], now=office.clock())
    if outcome.refused is not None:
        log.warning("back office log-in refused for %r from %s: %s", login, request.remote, outcome.refused)
        return _login_form(request, status=401, error=_refusal_text(request, outcome), login=login, target=target)
    several = len(outcome.municipalities) > 1
    response = web.HTTPSeeOther(PREFIX + "/choose?next=" + quote(target) if several else target)
    set_session_cookie(response, office, outcome.token)
    response.del_cookie(LOGIN_CSRF_COOKIE, path=PREFIX)
    raise response


def set_session_cookie(response: web.StreamResponse, office: Office, token: str | None) -> None:
    response.set_cookie(COOKIE, token or "", max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
                        **_cookie_options(office))


def _refusal_text(request: web.Request, outcome: accounts.LogIn) -> str:
    if outcome.refused == accounts.Refusal.LOCKED and outcome.locked_until is not None:
        until = at_moment(outcome.locked_until, language_of(request), BISHKEK)
        return say(request, texts.LOGIN_LOCKED, time=until)
    if outcome.refused == accounts.Refusal.NO_ROLE:
        return say(request, texts.LOGIN_NO_ROLE)
    return say(request, texts.LOGIN_REFUSED)


async def logout(request: web.Request) -> web.Response:
    office = office_of(request)
    async with office.db.transaction() as session:
        await accounts.do_log_out(session, visit_of(request).token)
    response = web.HTTPSeeOther(LOGIN)
    response.del_cookie(COOKIE, path=PREFIX)
    raise response


async def choose_page(request: web.Request) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    async with office.db.reader() as session:
        choices = await accounts.municipality_choices(session, visit.actor.person_id)
    return render(request, "choose.html", choices=choices, current=visit.actor.municipality_id,
                  next=safe_next(request.query.get("next")))


async def choose_submit(request: web.Request) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    form = await request.post()
    chosen = str(form.get("municipality", ""))
    if not chosen.isdigit():
        return render(request, "message.html", status=400, message=say(request, texts.INVALID_CHOICE))
    async with office.db.transaction() as session:
        allowed = await accounts.do_choose_municipality(session, visit.session_id, int(chosen), now=office.clock())
    if not allowed:
        log.warning("back office: %s asked for municipality %s without a role there", visit.login, chosen)
        return render(request, "message.html", status=403, message=say(request, texts.NOT_ALLOWED))
    raise web.HTTPSeeOther(safe_next(str(form.get("next", ""))))


async def language_submit(request: web.Request) -> web.Response:
    """Switches the interface language (the account's, when signed in; a cookie before log-in)."""
    office = office_of(request)
    form = await request.post()
    chosen = str(form.get("language", ""))
    if chosen not in (Language.KY.value, Language.RU.value):
        chosen = Language.KY.value
    visit = request.get(VISIT)
    if visit is not None:
        async with office.db.transaction() as session:
            await accounts.do_set_account_language(session, visit.account_id, Language(chosen))
    response = web.HTTPSeeOther(safe_next(str(form.get("next", "")), default=LOGIN if visit is None else
                                          PREFIX + "/requests"))
    response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 86400, **_cookie_options(office))
    raise response


def add_auth_routes(app: web.Application) -> None:
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login_submit)
    app.router.add_post("/logout", logout)
    app.router.add_get("/choose", choose_page)
    app.router.add_post("/choose", choose_submit)
    app.router.add_post("/language", language_submit)
