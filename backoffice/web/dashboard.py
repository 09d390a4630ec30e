"""The dashboard page: a period's figures from the desk, drawn as inline SVG bar charts."""

from datetime import date, timedelta

from aiohttp import web

from backoffice.web import texts
from backoffice.web.charts import bar_chart
from backoffice.web.office import office_of, visit_of
from backoffice.web.render import render, say
from backoffice.web.texts import SOURCE_NAMES
from handlers.config import BISHKEK
from handlers.i18n import N_, format_number
from storage.enums import RequestSource

MAX_PERIOD_DAYS = 366 * 3
CHART_TITLES = {
    "status": N_("Requests by status"),
    "category": N_("Requests by category"),
    "quarter": N_("Requests by quarter"),
    "rating": N_("Residents' ratings"),
    "source": N_("Requests by how they arrived"),
}


def period_of(query, today: date) -> tuple[date, date, bool]:
    """(from, to, understood): this month by default; a bad or reversed period falls back to it."""
    default = (today.replace(day=1), today)
    try:
        start = date.fromisoformat(query["from"]) if query.get("from") else default[0]
        end = date.fromisoformat(query["to"]) if query.get("to") else default[1]
    except ValueError:
        return *default, False
    if end < start or end - start > timedelta(days=MAX_PERIOD_DAYS):
        return *default, False
    return start, end, True


async def dashboard_page(request: web.Request) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    today = office.clock().astimezone(BISHKEK).date()
    start, end, understood = period_of(request.query, today)
    board = await office.desk.dashboard(visit.actor, start, end)
    number = lambda n: format_number(n, visit.language)  # noqa: E731
    charts = {
        "status": bar_chart(board.by_status, title=say(request, CHART_TITLES["status"]), number=number),
        "category": bar_chart(board.by_category, title=say(request, CHART_TITLES["category"]), number=number),
        "quarter": bar_chart(board.by_quarter, title=say(request, CHART_TITLES["quarter"]), number=number),
        "source": bar_chart([(say(request, SOURCE_NAMES[RequestSource(s)]), n) for s, n in board.by_source],
                            title=say(request, CHART_TITLES["source"]), number=number),
        "rating": bar_chart([("★" * score, board.ratings.get(score, 0)) for score in range(5, 0, -1)],
                            title=say(request, CHART_TITLES["rating"]), number=number),
    }
    notice = None if understood else say(request, texts.BAD_FILTERS, fields="from, to")
    return render(request, "dashboard.html", board=board, charts=charts, date_from=start, date_to=end, notice=notice)


def add_dashboard_routes(app: web.Application) -> None:
    app.router.add_get("/dashboard", dashboard_page)
