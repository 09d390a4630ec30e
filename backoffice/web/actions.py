"""The action forms on a request page: each reads its form and calls the desk (which decides).

A refusal or a text the desk cannot accept shows the request again with a message in the
visitor's language and the typed text still in its box; success redirects (POST → GET).
"""

from aiohttp import web

from backoffice.web import texts
from backoffice.web.office import PREFIX, language_of, office_of, visit_of
from backoffice.web.pages import request_id_of, request_page
from backoffice.web.render import say
from handlers.errors import InvalidInput, NotAllowed, NotFound
from handlers.services.requests import StatusRefused, status_label

MAX_EXTENSION_DAYS = 30


class FormError(Exception):
    """A field the visitor must fix; carries the text to show."""


def _text(form, name: str = "text") -> str:
    return str(form.get(name, "")).replace("\r\n", "\n").strip()


def _optional_id(form, name: str) -> int | None:
    raw = str(form.get(name, "")).strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise FormError(texts.INVALID_CHOICE)
    return int(raw)


async def _call(desk, actor, action: str, request_id: int, form) -> None:
    if action == "take":
        await desk.take(actor, request_id)
    elif action == "answer":
        await desk.answer(actor, request_id, _text(form), resolve=form.get("resolve") == "1")
    elif action == "ask":
        await desk.ask_resident(actor, request_id, _text(form))
    elif action == "forward":
        department = _optional_id(form, "department")
        if department is None:
            raise FormError(texts.INVALID_CHOICE)
        await desk.forward(actor, request_id, department, note=_text(form) or None)
    elif action == "resolve":
        await desk.resolve(actor, request_id, note=_text(form) or None)
    elif action == "reject":
        await desk.reject(actor, request_id, _text(form), responsible_body_id=_optional_id(form, "responsible_body"))
    elif action == "extend":
        days = str(form.get("days", "")).strip()
        if not days.isdigit() or not 1 <= int(days) <= MAX_EXTENSION_DAYS or not _text(form):
            raise FormError(texts.INVALID_DAYS)
        await desk.extend(actor, request_id, int(days), _text(form))
    elif action == "note":
        await desk.add_note(actor, request_id, _text(form))
    elif action == "merge":
        await desk.merge(actor, request_id, _text(form, "ticket")[:40])
    elif action == "erase":
        if form.get("confirm") != "1":
            raise FormError(texts.ERASE_UNCONFIRMED)
        await desk.erase_applicant(actor, request_id)
    else:
        raise web.HTTPNotFound()


def refusal(request: web.Request, refused: StatusRefused) -> str:
    """«The request is «Resolved»: it cannot become «Under review»», in the visitor's language."""
    language = language_of(request)
    current = status_label(refused.current, language)
    if refused.wanted is None:
        return say(request, texts.REQUEST_CLOSED, current=current)
    return say(request, texts.STATUS_REFUSED, current=current, wanted=status_label(refused.wanted, language))


async def act(request: web.Request) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    action = request.match_info["action"]
    form = await request.post()
    kept = {key: str(value) for key, value in form.items() if key != "csrf" and isinstance(value, str)}
    try:
        await _call(office.desk, visit.actor, action, request_id_of(request), form)
    except FormError as error:
        return await request_page(request, status=400, error=say(request, str(error)), failed_action=action,
                                  form=kept)
    except StatusRefused as refused:
        return await request_page(request, status=409, error=refusal(request, refused), failed_action=action,
                                  form=kept)
    except InvalidInput:
        message = (texts.INVALID_TEXT if action in ("answer", "ask", "note", "reject", "extend")
                   else texts.INVALID_CHOICE if action == "forward"
                   else texts.MERGE_INVALID if action == "merge" else texts.INVALID_ACTION)
        return await request_page(request, status=400, error=say(request, message), failed_action=action, form=kept)
    except NotFound as missing:  # the desk has logged the refusal; the request does not exist for this person
        raise web.HTTPNotFound() from missing
    except NotAllowed:
        return await request_page(request, status=403, error=say(request, texts.NOT_ALLOWED), failed_action=action,
                                  form=kept)
    raise web.HTTPSeeOther(f"{PREFIX}/requests/{request_id_of(request)}?done={action}")


def add_action_routes(app: web.Application) -> None:
    app.router.add_post(r"/requests/{id:\d{1,9}}/{action:[a-z]{2,10}}", act)
