"""The back office's aiohttp application, mounted by main.py under ``/office/``."""

import logging
from pathlib import Path

from aiohttp import web

from backoffice.web import texts
from backoffice.web.actions import add_action_routes
from backoffice.web.audit_page import add_audit_routes
from backoffice.web.auth import add_auth_routes, guard
from backoffice.web.dashboard import add_dashboard_routes
from backoffice.web.export import add_export_routes
from backoffice.web.first_run import add_first_run_routes
from backoffice.web.group_pages import add_group_routes
from backoffice.web.hearing_actions import add_hearing_action_routes
from backoffice.web.hearing_outcomes import add_hearing_outcome_routes
from backoffice.web.hearing_pages import add_hearing_page_routes
from backoffice.web.journal import add_journal_routes
from backoffice.web.legal import add_legal_routes
from backoffice.web.legal_terms import add_legal_terms_routes
from backoffice.web.office import OFFICE, PREFIX, VISIT, Office
from backoffice.web.operator_pages import add_operator_routes
from backoffice.web.pages import add_page_routes
from backoffice.web.register import add_register_routes
from backoffice.web.render import render, say
from backoffice.web.reply_template_pages import add_reply_template_routes
from backoffice.web.setup_pages import add_setup_routes
from backoffice.web.staff_pages import add_staff_routes
from handlers.errors import NotAllowed, NotFound

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; "
                               "script-src 'none'; object-src 'none'; form-action 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@web.middleware
async def headers_and_errors(request: web.Request, handler):
    """Security headers on every answer; a request id that is not visible is a 404 (the desk logged it)."""
    try:
        response = await handler(request)
    except NotFound:
        log.warning("back office: %s asked for %s, which it may not see", _who(request), request.path)
        response = render(request, "message.html", status=404, message=say(request, texts.NOT_FOUND))
    except NotAllowed:
        response = render(request, "message.html", status=403, message=say(request, texts.NOT_ALLOWED))
    except web.HTTPNotFound:
        response = render(request, "message.html", status=404, message=say(request, texts.NOT_FOUND))
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _who(request: web.Request) -> str:
    visit = request.get(VISIT)
    return f"person {visit.actor.person_id}" if visit else "a visitor without a session"


async def _home(_request: web.Request) -> web.Response:
    raise web.HTTPSeeOther(PREFIX + "/requests")


def build_office(office: Office) -> web.Application:
    """The sub-application; add it with ``app.add_subapp(PREFIX, build_office(office))``."""
    app = web.Application(middlewares=[headers_and_errors, guard])
    app[OFFICE] = office
    app.router.add_get("/", _home)
    add_auth_routes(app)
    add_export_routes(app)
    add_page_routes(app)
    add_register_routes(app)  # before the actions: /requests/{id}/answered is not one of theirs
    add_action_routes(app)
    add_dashboard_routes(app)
    add_journal_routes(app)
    add_legal_routes(app)
    add_legal_terms_routes(app)
    add_hearing_page_routes(app)
    add_hearing_outcome_routes(app)  # before the actions: /hearings/{id}/outcomes is not one of theirs
    add_hearing_action_routes(app)
    add_group_routes(app)
    add_first_run_routes(app)
    add_setup_routes(app)
    add_reply_template_routes(app)
    add_staff_routes(app)
    add_operator_routes(app)
    add_audit_routes(app)
    app.router.add_static("/static/", STATIC)
    return app
