"""Reading pages: the request list with filters and paging, one request, its attachments."""

import logging

from aiohttp import web

from backoffice.web import texts
from backoffice.web.filters import page_number, read_filters
from backoffice.web.office import language_of, office_of, visit_of
from backoffice.web.render import render, say
from handlers.i18n import format_number, gettext, ngettext
from storage.enums import RequestSource

log = logging.getLogger(__name__)
PER_PAGE = 50
SHOWN_INLINE = ("image/", "audio/", "video/")
"""Attachment types shown in the page; anything else is downloaded, never rendered on our origin."""


def request_id_of(request: web.Request) -> int:
    return int(request.match_info["id"])


async def request_list(request: web.Request) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    read = read_filters(request.query)
    page = await office.desk.list_requests(visit.actor, read.filters, page=page_number(request.query),
                                           per_page=PER_PAGE)
    choices = await office.desk.choices(visit.actor)
    notice = say(request, texts.BAD_FILTERS, fields=", ".join(read.rejected)) if read.rejected else None
    language = language_of(request)
    found = (ngettext(language, texts.FOUND_ONE, texts.FOUND_MANY, page.total) if page.total_exact
             else gettext(language, texts.FOUND_MORE, n=format_number(page.total, language)))
    return render(request, "requests.html", page=page, choices=choices, read=read, notice=notice, found=found,
                  sources=[s.value for s in RequestSource])


async def request_page(request: web.Request, *, status: int = 200, error: str | None = None,
                       failed_action: str | None = None, form: dict[str, str] | None = None) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    detail = await office.desk.request_detail(visit.actor, request_id_of(request))
    choices = await office.desk.choices(visit.actor)
    done = request.query.get("done")
    template_id = request.query.get("template", "")
    answer_draft = next((text for tid, _title, text in choices.reply_templates if str(tid) == template_id), "")
    return render(request, "request.html", status=status, detail=detail, choices=choices,
                  done=say(request, texts.DONE[done]) if done in texts.DONE else None, error=error,
                  failed_action=failed_action, form=form or {}, answer_draft=answer_draft)


async def show_request(request: web.Request) -> web.Response:
    return await request_page(request)


async def attachment(request: web.Request) -> web.Response:
    """A resident's file, fetched from its channel (only for a request the visitor may see)."""
    office, visit = office_of(request), visit_of(request)
    detail = await office.desk.request_detail(visit.actor, request_id_of(request))
    wanted = int(request.match_info["attachment"])
    found = next((a for a in detail.attachments if a.id == wanted), None)
    if found is None:
        raise web.HTTPNotFound()
    return await file_response(request, str(found.channel), found.file_ref, f"{detail.row.ticket}-{found.id}")


async def file_response(request: web.Request, channel: str, file_ref: str, name: str) -> web.Response:
    """A resident's file fetched from its channel: images, audio and video shown, anything else
    downloaded (never rendered on our origin); a messenger that cannot give it is explained."""
    office = office_of(request)
    if office.fetch_attachment is None:
        return render(request, "message.html", status=503, message=say(request, texts.ATTACHMENT_UNAVAILABLE))
    try:
        data, content_type = await office.fetch_attachment(channel, file_ref)
    except Exception:  # the messenger is down, the file expired, the channel is off: say so, log why
        log.warning("could not fetch the attachment %s from %s", name, channel, exc_info=True)
        return render(request, "message.html", status=502, message=say(request, texts.ATTACHMENT_UNAVAILABLE))
    response = web.Response(body=data)
    if content_type.startswith(SHOWN_INLINE):
        response.content_type = content_type.split(";")[0]
    else:
        response.content_type = "application/octet-stream"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def add_page_routes(app: web.Application) -> None:
    app.router.add_get("/requests", request_list)
    app.router.add_get(r"/requests/{id:\d{1,9}}", show_request)
    app.router.add_get(r"/requests/{id:\d{1,9}}/attachments/{attachment:\d{1,9}}", attachment)
