"""The register of appeals (Law No. 67) for a period: a page, a print view and an XLSX export,
filtered by how the appeals arrived. Cells a spreadsheet would run as a formula are written as text."""

import io
from datetime import datetime

from aiohttp import web
from openpyxl import Workbook

from backoffice.web.dashboard import period_of
from backoffice.web.export import _download, inert
from backoffice.web.office import office_of, visit_of
from backoffice.web.render import render, say
from backoffice.web.texts import ANSWER_FORM_NAMES, SOURCE_NAMES
from handlers.config import BISHKEK
from handlers.i18n import N_
from handlers.staff.journal import JournalFilters, JournalRow
from storage.enums import RequestSource

COLUMNS = (N_("Registration number"), N_("Registered"), N_("Received on"), N_("Applicant"), N_("Address"),
           N_("How it arrived"), N_("Signatories"), N_("Short content"), N_("Executor"), N_("Deadline"),
           N_("Extended to"), N_("Date of the answer"), N_("Form of the answer"), N_("Outcome"))
def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(BISHKEK).replace(tzinfo=None) if moment else None


def cells(request: web.Request, row: JournalRow) -> list:
    """One row of the export, in the order of ``COLUMNS``."""
    return [row.ticket, _local(row.registered_at), _local(row.received_at), inert(row.applicant), inert(row.address),
            say(request, SOURCE_NAMES[row.source]), row.signatories, inert(row.content), inert(row.executor),
            row.due_date, row.extended_to, _local(row.answered_at),
            say(request, ANSWER_FORM_NAMES[row.answer_form]) if row.answer_form else None, row.outcome]


async def _read(request: web.Request, *, export: bool = False):
    office, visit = office_of(request), visit_of(request)
    start, end, understood = period_of(request.query, office.clock().astimezone(BISHKEK).date())
    raw = request.query.get("source", "")
    source = RequestSource(raw) if raw in {s.value for s in RequestSource} else None
    filters = JournalFilters(start, end, source)
    rows = await office.desk.journal(visit.actor, filters, export=export)
    return filters, rows, understood and (source is not None or not raw)


async def journal_page(request: web.Request) -> web.Response:
    filters, rows, understood = await _read(request)
    template = "journal_print.html" if request.path.endswith("/print") else "journal.html"
    return render(request, template, rows=rows, filters=filters, understood=understood,
                  sources=[s.value for s in RequestSource], query=request.query_string)


async def journal_xlsx(request: web.Request) -> web.Response:
    filters, rows, _understood = await _read(request, export=True)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("journal")
    sheet.append([say(request, column) for column in COLUMNS])
    for row in rows:
        sheet.append(cells(request, row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    name = f"journal-{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}-{len(rows)}.xlsx"
    return _download(buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name)


def add_journal_routes(app: web.Application) -> None:
    app.router.add_get("/journal", journal_page)
    app.router.add_get("/journal/print", journal_page)
    app.router.add_get("/journal.xlsx", journal_xlsx)
