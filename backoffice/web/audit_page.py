"""The audit log of the municipality, for its administrator: who did (or tried) what, newest first,
filtered by outcome (allowed, refused) and by action."""

from aiohttp import web

from backoffice.web.office import office_of, visit_of
from backoffice.web.render import render
from backoffice.web.setup_forms import check_administrator
from handlers.staff.audit import AUDIT_PAGE, audit_log
from storage.enums import AuditOutcome


async def audit_page(request: web.Request) -> web.Response:
    await check_administrator(request, "audit")
    office, visit = office_of(request), visit_of(request)
    outcome = request.query.get("outcome", "")
    action = request.query.get("action", "").strip()[:40]
    async with office.db.reader() as session:
        rows = await audit_log(session, visit.actor.municipality_id, action=action or None,
                               outcome=AuditOutcome(outcome) if outcome in tuple(AuditOutcome) else None)
    return render(request, "setup_audit.html", rows=rows, outcome=outcome, action=action, limit=AUDIT_PAGE)


def add_audit_routes(app: web.Application) -> None:
    app.router.add_get("/setup/audit", audit_page)
