"""Public hearings in the back office: the list with the announcement form, one hearing
(attendance, check-in of registered residents, proposals and their outcomes), and the report
(per hearing, and by year and kind) as a page and as XLSX through the export code.

The hearings desk decides who may do what; a hearing of another municipality is a 404.
"""

import io
from datetime import datetime

from aiohttp import web
from openpyxl import Workbook

from backoffice.web.export import _download, xlsx_row
from backoffice.web.office import office_of, visit_of
from backoffice.web.render import render, say
from handlers.config import BISHKEK
from handlers.i18n import N_, gettext
from handlers.initiatives.desk import manages_hearings
from handlers.initiatives.hearings import KIND_NAMES
from storage.enums import HearingKind, ProposalOutcome

KIND_LABELS = {HearingKind.BUDGET: N_("Budget"), HearingKind.PROGRAMME: N_("Development programme"),
               HearingKind.OTHER: N_("Other")}
OUTCOME_LABELS = {ProposalOutcome.ACCEPTED: N_("accepted"), ProposalOutcome.PARTLY: N_("partly accepted"),
                  ProposalOutcome.REJECTED: N_("rejected"), ProposalOutcome.MERGED: N_("merged")}
DONE = {
    "announce": N_("The hearing is announced; the invitation is on its way to residents."),
    "attendance": N_("The attendance is saved."),
    "checkin": N_("The resident is checked in."),
    "close": N_("The hearing is closed. Proposals that arrive now are kept and marked late."),
    "outcome": N_("The outcome is saved; the author has been told in their language."),
    "outcomes": N_("The outcomes are saved; each author whose outcome is new or changed has been told in their "
                   "language."),
}
REPORT_COLUMNS = (N_("Date"), N_("Hearing"), N_("Subject"), N_("Participants"), N_("Women"),
                  N_("From initiative groups"), N_("Registered in the bot"), N_("Checked in"),
                  N_("Proposals received"), N_("Proposals from groups"), N_("Accepted (fully or partly)"),
                  N_("Partly"), N_("Not accepted"), N_("Merged"), N_("Late"))
YEAR_COLUMNS = (N_("Year"), N_("Subject"), N_("Hearings"))


def hearing_id_of(request: web.Request) -> int:
    return int(request.match_info["id"])


def labels(request: web.Request) -> dict:
    return {"kinds": {kind: say(request, label) for kind, label in KIND_LABELS.items()},
            "outcomes": {outcome: say(request, label) for outcome, label in OUTCOME_LABELS.items()}}


async def hearing_list(request: web.Request, *, status: int = 200, error: str | None = None,
                       form: dict[str, str] | None = None) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    rows, _years = await office.hearings.report(visit.actor)
    choices = await office.hearings.choices(visit.actor)
    done = request.query.get("done")
    return render(request, "hearings.html", status=status, rows=rows, choices=choices, error=error, form=form or {},
                  may_manage=manages_hearings(visit.actor), kinds_in_order=list(HearingKind),
                  done=say(request, DONE[done]) if done in DONE else None, **labels(request))


async def show_hearing(request: web.Request, *, status: int = 200, error: str | None = None,
                       form: dict[str, str] | None = None) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    detail = await office.hearings.detail(visit.actor, hearing_id_of(request))
    done = request.query.get("done")
    subject = gettext(visit.language, KIND_NAMES[detail.hearing.kind])
    return render(request, "hearing.html", status=status, detail=detail, subject=subject, error=error, form=form or {},
                  done=say(request, DONE[done]) if done in DONE else None, **labels(request))


async def report_page(request: web.Request) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    rows, years = await office.hearings.report(visit.actor)
    return render(request, "hearing_report.html", rows=rows, years=years, **labels(request))


def _figure_cells(figures) -> list[int]:
    return [figures.participants, figures.women, figures.from_groups, figures.registered, figures.checked_in,
            figures.proposals, figures.proposals_from_groups, figures.accepted, figures.partly, figures.rejected,
            figures.merged, figures.late]


async def report_xlsx(request: web.Request) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    rows, years = await office.hearings.report(visit.actor)
    kinds = labels(request)["kinds"]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("hearings")
    sheet.append([say(request, column) for column in REPORT_COLUMNS])
    for row in rows:
        starts = row.hearing.starts_at.astimezone(BISHKEK).replace(tzinfo=None)
        sheet.append(xlsx_row(sheet, [starts, row.hearing.title, kinds[row.hearing.kind], *_figure_cells(row.figures)]))
    by_year = workbook.create_sheet("years")
    by_year.append([say(request, column) for column in YEAR_COLUMNS + REPORT_COLUMNS[3:]])
    for year in years:
        by_year.append([year.year, kinds[year.kind], year.hearings, *_figure_cells(year.figures)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _download(buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"hearings-{datetime.now(BISHKEK):%Y%m%d-%H%M}.xlsx")


async def _list(request: web.Request) -> web.Response:
    return await hearing_list(request)


async def _show(request: web.Request) -> web.Response:
    return await show_hearing(request)


def add_hearing_page_routes(app: web.Application) -> None:
    app.router.add_get("/hearings", _list)
    app.router.add_get("/hearings/report", report_page)
    app.router.add_get("/hearings/report.xlsx", report_xlsx)
    app.router.add_get(r"/hearings/{id:\d{1,9}}", _show)
