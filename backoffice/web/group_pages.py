"""Initiative groups in the back office: the list (members, coordinator), a new group, and naming
its coordinator among the residents who asked to join (they approve the others in the bot)."""

from aiohttp import web

from backoffice.web import texts
from backoffice.web.actions import FormError, _text
from backoffice.web.office import PREFIX, office_of, visit_of
from backoffice.web.render import render, say
from handlers.errors import InvalidInput, NotAllowed, NotFound
from handlers.i18n import N_
from handlers.initiatives.desk import manages_hearings

NAMES_NEEDED = N_("Give the group's name in Kyrgyz and in Russian (at most 200 characters).")
DONE = {"create": N_("The group is added. Residents can ask to join it in the bot."),
        "coordinator": N_("The coordinator is named: they approve members and send the group's notices.")}
FIELDS = ("name_ky", "name_ru", "purpose_ky", "purpose_ru")


async def group_list(request: web.Request, *, status: int = 200, error: str | None = None,
                     form: dict[str, str] | None = None) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    cards, candidates = await office.hearings.groups(visit.actor)
    done = request.query.get("done")
    return render(request, "groups.html", status=status, cards=cards, candidates=candidates, error=error,
                  form=form or {}, may_manage=manages_hearings(visit.actor),
                  done=say(request, DONE[done]) if done in DONE else None)


async def _list(request: web.Request) -> web.Response:
    return await group_list(request)


async def create(request: web.Request) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    form = await request.post()
    kept = {name: _text(form, name) for name in FIELDS}
    try:
        await office.hearings.create_group(visit.actor, **kept)
    except InvalidInput:
        return await group_list(request, status=400, error=say(request, NAMES_NEEDED), form=kept)
    except NotAllowed:
        return await group_list(request, status=403, error=say(request, texts.NOT_ALLOWED), form=kept)
    raise web.HTTPSeeOther(f"{PREFIX}/groups?done=create")


async def coordinator(request: web.Request) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    form = await request.post()
    try:
        person = _text(form, "person")
        if not person.isdigit() or len(person) > 9:
            raise FormError(texts.INVALID_CHOICE)
        await office.hearings.set_coordinator(visit.actor, int(request.match_info["id"]), int(person))
    except (FormError, InvalidInput):
        return await group_list(request, status=400, error=say(request, texts.INVALID_CHOICE))
    except NotFound:
        raise web.HTTPNotFound() from None
    except NotAllowed:
        return await group_list(request, status=403, error=say(request, texts.NOT_ALLOWED))
    raise web.HTTPSeeOther(f"{PREFIX}/groups?done=coordinator")


def add_group_routes(app: web.Application) -> None:
    app.router.add_get("/groups", _list)
    app.router.add_post("/groups", create)
    app.router.add_post(r"/groups/{id:\d{1,9}}/coordinator", coordinator)
