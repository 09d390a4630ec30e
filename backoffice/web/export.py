"""The filtered request list as a spreadsheet: XLSX (openpyxl) or CSV (UTF-8 with BOM, for Excel).

Cells that a spreadsheet would run as a formula (=, +, -, @ at the start) are written as text: in
XLSX as a text cell with Excel's "quote prefix" style, so the cell shows exactly what was typed and
no apostrophe; in CSV (which has no types) behind an apostrophe.
"""

import csv
import io
from datetime import datetime

from aiohttp import web
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from backoffice.web import texts
from backoffice.web.filters import read_filters
from backoffice.web.office import office_of, visit_of
from backoffice.web.render import say
from handlers.config import BISHKEK
from handlers.staff.views import RequestRow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: str) -> str:
    """A CSV cell: a formula-looking text behind an apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def xlsx_row(sheet: WriteOnlyWorksheet, values: list) -> list:
    """A row for ``sheet.append``: each formula-looking text as a text cell with the quote prefix style."""
    cells = []
    for value in values:
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # openpyxl took it for a formula
            cell._style = StyleArray()
            cell._style.quotePrefix = 1
            value = cell
        cells.append(value)
    return cells


def _cells(request: web.Request, row: RequestRow) -> list:
    created = row.created_at.astimezone(BISHKEK).replace(tzinfo=None)
    return [row.ticket, created, row.category, row.quarter, row.department, row.status_label,
            row.due_date, say(request, texts.YES if row.overdue else texts.NO), row.assignee, row.preview]


def _filename(row_count: int, extension: str) -> str:
    return f"requests-{datetime.now(BISHKEK):%Y%m%d-%H%M}-{row_count}.{extension}"


def _download(body: bytes, content_type: str, filename: str) -> web.Response:
    response = web.Response(body=body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


async def _rows(request: web.Request) -> list[RequestRow]:
    office, visit = office_of(request), visit_of(request)
    return await office.desk.export_rows(visit.actor, read_filters(request.query).filters)


async def export_csv(request: web.Request) -> web.Response:
    rows = await _rows(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([say(request, column) for column in texts.EXPORT_COLUMNS])
    for row in rows:
        cells = [inert(cell) if isinstance(cell, str) else cell for cell in _cells(request, row)]
        cells[1] = cells[1].strftime("%Y-%m-%d %H:%M")
        cells[6] = cells[6].isoformat()
        writer.writerow(cells)
    return _download(buffer.getvalue().encode("utf-8-sig"), "text/csv", _filename(len(rows), "csv"))


async def export_xlsx(request: web.Request) -> web.Response:
    rows = await _rows(request)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("requests")
    sheet.append([say(request, column) for column in texts.EXPORT_COLUMNS])
    for row in rows:
        sheet.append(xlsx_row(sheet, _cells(request, row)))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _download(buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     _filename(len(rows), "xlsx"))


def add_export_routes(app: web.Application) -> None:
    app.router.add_get("/requests/export.csv", export_csv)
    app.router.add_get("/requests/export.xlsx", export_xlsx)
