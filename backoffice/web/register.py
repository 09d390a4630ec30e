"""Registering an appeal received outside the messengers, its receipt, its scans, and an answer
given on paper, by phone or in person. The forms read their fields and call the desk (which
decides and audits); what the desk refuses shows the form again with the typed values kept."""

from datetime import date, datetime

from aiohttp import web

from backoffice.web import texts
from backoffice.web.actions import FormError, _text
from backoffice.web.office import PREFIX, office_of, visit_of
from backoffice.web.pages import request_id_of, request_page
from backoffice.web.render import render, say
from handlers.config import BISHKEK
from handlers.errors import InvalidInput, NotAllowed
from handlers.staff.registration import Applicant, GivenAnswer, PaperAppeal
from handlers.staff.scans import Scan, ScanRefused, clean_name
from storage.enums import OFFICE_SOURCES, AnswerForm, Language, RequestSource

ANSWER_FORMS = (AnswerForm.PAPER, AnswerForm.PHONE, AnswerForm.IN_PERSON)


def _id(form, name: str) -> int:
    raw = _text(form, name)
    if not raw.isdigit() or len(raw) > 9:
        raise FormError(texts.REGISTER_INCOMPLETE)
    return int(raw)


def _scans(form) -> list[Scan]:
    files = [f for f in form.getall("scans", []) if hasattr(f, "file") and f.filename]
    return [Scan(clean_name(f.filename), f.file.read()) for f in files]


def read_appeal(form) -> PaperAppeal:
    try:
        source, language = RequestSource(_text(form, "source")), Language(_text(form, "language"))
        received_at = datetime.fromisoformat(_text(form, "received_at")).replace(tzinfo=BISHKEK)
    except ValueError:
        raise FormError(texts.REGISTER_INCOMPLETE) from None
    signatories = _text(form, "signatories")
    if signatories and (not signatories.isdigit() or len(signatories) > 6):
        raise FormError(texts.REGISTER_SIGNATORIES)
    applicant = Applicant(_text(form, "name"), _id(form, "quarter"), language, _text(form, "phone") or None)
    return PaperAppeal(applicant, source, received_at, _id(form, "category"), _text(form, "text"),
                       int(signatories) if signatories else None, _scans(form), _text(form, "backdate_reason") or None)


async def register_form(request: web.Request, *, status: int = 200, error: str | None = None,
                        form: dict[str, str] | None = None) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    now = office.clock().astimezone(BISHKEK)
    kept = form or {"received_at": now.strftime("%Y-%m-%dT%H:%M"), "language": visit.language.value}
    return render(request, "register.html", status=status, error=error, form=kept,
                  choices=await office.desk.choices(visit.actor),
                  sources=[s.value for s in OFFICE_SOURCES])


async def show_register_form(request: web.Request) -> web.Response:
    return await register_form(request)


async def register(request: web.Request) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    form = await request.post()
    kept = {key: str(value) for key, value in form.items() if key != "csrf" and isinstance(value, str)}
    try:
        registered = await office.desk.register(visit.actor, read_appeal(form))
    except FormError as error:
        return await register_form(request, status=400, error=say(request, str(error)), form=kept)
    except ScanRefused as refused:
        message = {"too_large": texts.SCAN_TOO_LARGE, "wrong_type": texts.SCAN_WRONG_TYPE}.get(
            refused.reason, texts.SCAN_TOO_MANY)
        return await register_form(request, status=400, error=say(request, message, name=refused.name), form=kept)
    except NotAllowed:
        return await register_form(request, status=403, error=say(request, texts.BACKDATE_REFUSED), form=kept)
    except InvalidInput as invalid:
        message = texts.BACKDATE_NEEDS_REASON if "reason" in str(invalid) else texts.REGISTER_INVALID
        return await register_form(request, status=400, error=say(request, message), form=kept)
    raise web.HTTPSeeOther(f"{PREFIX}/requests/{registered.id}?done=register")


async def receipt(request: web.Request) -> web.Response:
    """The print-ready receipt, in the language of the appeal (not the clerk's)."""
    office, visit = office_of(request), visit_of(request)
    found = await office.desk.receipt(visit.actor, request_id_of(request))
    return render(request, "receipt.html", language=found.language, receipt=found)


async def scan(request: web.Request) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    found = await office.desk.scan(visit.actor, request_id_of(request), int(request.match_info["scan"]))
    response = web.Response(body=found.data, content_type=found.mime_type)
    if not found.mime_type.startswith("image/"):
        response.headers["Content-Disposition"] = f'attachment; filename="{found.file_name}"'
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


async def record_answer(request: web.Request) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    form = await request.post()
    kept = {key: str(value) for key, value in form.items() if key != "csrf" and isinstance(value, str)}
    try:
        given = GivenAnswer(AnswerForm(_text(form, "form")), date.fromisoformat(_text(form, "given_on")),
                            _text(form))
    except ValueError:
        return await request_page(request, status=400, error=say(request, texts.ANSWER_GIVEN_INVALID),
                                  failed_action="answered", form=kept)
    try:
        await office.desk.record_answer_given(visit.actor, request_id_of(request), given,
                                              resolve=form.get("resolve") == "1")
    except InvalidInput:
        return await request_page(request, status=400, error=say(request, texts.ANSWER_GIVEN_INVALID),
                                  failed_action="answered", form=kept)
    except NotAllowed:
        return await request_page(request, status=403, error=say(request, texts.NOT_ALLOWED),
                                  failed_action="answered", form=kept)
    raise web.HTTPSeeOther(f"{PREFIX}/requests/{request_id_of(request)}?done=answered")


def add_register_routes(app: web.Application) -> None:
    app.router.add_get("/register", show_register_form)
    app.router.add_post("/register", register)
    app.router.add_get(r"/requests/{id:\d{1,9}}/receipt", receipt)
    app.router.add_get(r"/requests/{id:\d{1,9}}/scans/{scan:\d{1,9}}", scan)
    app.router.add_post(r"/requests/{id:\d{1,9}}/answered", record_answer)
