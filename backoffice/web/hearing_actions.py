"""The hearing forms: announce, attendance, check-in, close, a proposal's outcome. Each reads its
form and calls the hearings desk (which decides and audits); a refusal or a value the desk
cannot accept shows the page again with a message in the visitor's language and the typed
values kept; success redirects (POST → GET)."""

from datetime import datetime

from aiohttp import web

from backoffice.web import texts
from backoffice.web.actions import FormError, _text
from backoffice.web.hearing_pages import hearing_id_of, hearing_list, show_hearing
from backoffice.web.office import PREFIX, office_of, visit_of
from backoffice.web.render import say
from handlers.config import BISHKEK
from handlers.errors import InvalidInput, NotAllowed, NotFound
from handlers.i18n import N_
from handlers.initiatives.hearings import HearingDraft, HearingInPast
from storage.enums import HearingKind, ProposalOutcome

IN_PAST = N_("The date and time of the hearing must be in the future (within two months).")
INCOMPLETE = N_("Please give the subject, the title, the place and the date and time of the hearing.")
BAD_ATTENDANCE = N_("Give whole numbers: women and participants from groups cannot be more than all participants.")
BAD_OUTCOME = N_("A rejection needs its reason; a merge needs the number of another proposal of this hearing.")


def _number(form, name: str, *, required: bool = True) -> int | None:
    raw = _text(form, name)
    if not raw and not required:
        return None
    if not raw.isdigit() or len(raw) > 7:
        raise FormError(BAD_ATTENDANCE if name in ("total", "women", "from_groups") else texts.INVALID_CHOICE)
    return int(raw)


def _ids(form, name: str) -> list[int] | None:
    values = [str(v) for v in form.getall(name, [])]
    if not all(v.isdigit() and len(v) <= 9 for v in values):
        raise FormError(texts.INVALID_CHOICE)
    return sorted({int(v) for v in values}) or None


def read_draft(form) -> HearingDraft:
    try:
        kind = HearingKind(_text(form, "kind"))
        starts = datetime.fromisoformat(_text(form, "starts_at")).replace(tzinfo=BISHKEK)
    except ValueError:
        raise FormError(INCOMPLETE) from None
    return HearingDraft(kind, _text(form, "title"), _text(form, "place"), _text(form, "agenda"), starts,
                        _ids(form, "quarter"), _ids(form, "group"))


async def announce(request: web.Request) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    form = await request.post()
    kept = {key: str(value) for key, value in form.items() if key != "csrf"}
    try:
        hearing_id = await office.hearings.announce(visit.actor, read_draft(form))
    except FormError as error:
        return await hearing_list(request, status=400, error=say(request, str(error)), form=kept)
    except HearingInPast:
        return await hearing_list(request, status=400, error=say(request, IN_PAST), form=kept)
    except InvalidInput:
        return await hearing_list(request, status=400, error=say(request, INCOMPLETE), form=kept)
    except NotAllowed:
        return await hearing_list(request, status=403, error=say(request, texts.NOT_ALLOWED), form=kept)
    raise web.HTTPSeeOther(f"{PREFIX}/hearings/{hearing_id}?done=announce")


async def _call(desk, actor, action: str, hearing_id: int, form) -> None:
    if action == "attendance":
        await desk.record_attendance(actor, hearing_id, _number(form, "total"), _number(form, "women"),
                                     _number(form, "from_groups"))
    elif action == "checkin":
        await desk.check_in(actor, hearing_id, _number(form, "registration"))
    elif action == "close":
        await desk.close(actor, hearing_id)
    elif action == "outcome":
        try:
            outcome = ProposalOutcome(_text(form, "outcome"))
        except ValueError:
            raise FormError(texts.INVALID_CHOICE) from None
        await desk.decide(actor, hearing_id, _number(form, "proposal"), outcome, _text(form, "note") or None,
                          _number(form, "merged_into", required=False))
    else:
        raise web.HTTPNotFound()


async def act(request: web.Request) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    action = request.match_info["action"]
    form = await request.post()
    kept = {key: str(value) for key, value in form.items() if key != "csrf"}
    try:
        await _call(office.hearings, visit.actor, action, hearing_id_of(request), form)
    except FormError as error:
        return await show_hearing(request, status=400, error=say(request, str(error)), form=kept)
    except InvalidInput:
        message = {"attendance": BAD_ATTENDANCE, "outcome": BAD_OUTCOME}.get(action, texts.INVALID_ACTION)
        return await show_hearing(request, status=400, error=say(request, message), form=kept)
    except NotFound as missing:
        raise web.HTTPNotFound() from missing
    except NotAllowed:
        return await show_hearing(request, status=403, error=say(request, texts.NOT_ALLOWED))
    raise web.HTTPSeeOther(f"{PREFIX}/hearings/{hearing_id_of(request)}?done={action}")


def add_hearing_action_routes(app: web.Application) -> None:
    app.router.add_post("/hearings", announce)
    app.router.add_post(r"/hearings/{id:\d{1,9}}/{action:[a-z]{4,12}}", act)
