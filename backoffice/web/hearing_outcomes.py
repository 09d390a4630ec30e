"""The outcomes of all proposals of a hearing on one form, saved in one submit: staff choose an
outcome (and a reason or comment) for each; the hearings desk records them in one unit of work and
each author whose outcome is new or changed is told in their language. A missing outcome, a
rejection without its reason, a proposal that is not the hearing's, or a role that may not decide
is refused (and audited): nothing is saved, the page comes back as it was filled."""

from aiohttp import web

from backoffice.web import texts
from backoffice.web.actions import FormError, _optional_id, _text
from backoffice.web.hearing_pages import hearing_id_of, labels
from backoffice.web.office import PREFIX, office_of, visit_of
from backoffice.web.render import render, say
from handlers.errors import NotAllowed, NotFound
from handlers.i18n import N_
from handlers.initiatives.proposals import Decision, OutcomeRefused, Why
from storage.enums import ProposalOutcome

REFUSED = {
    Why.MISSING: N_("Choose the outcome of proposal №{id}. Nothing was saved; the form is as you filled it."),
    Why.NOT_OF_HEARING: N_("Proposal №{id} is not one of this hearing's proposals. Nothing was saved."),
    Why.NEEDS_REASON: N_("Proposal №{id}: a rejection needs its reason (at most 1000 characters). "
                         "Nothing was saved; the form is as you filled it."),
    Why.BAD_MERGE: N_("Proposal №{id}: a merge needs another proposal of this hearing. "
                      "Nothing was saved; the form is as you filled it."),
}
OUTCOME_VALUES = {outcome.value: outcome for outcome in ProposalOutcome}


def read_decisions(form) -> list[Decision]:
    """One decision per proposal the form lists, in its order; an outcome not offered counts as none."""
    ids = [str(v) for v in form.getall("proposal", [])]
    if not ids or not all(v.isdigit() and len(v) <= 9 for v in ids):
        raise FormError(texts.INVALID_CHOICE)
    return [Decision(int(pid), OUTCOME_VALUES.get(_text(form, f"outcome-{pid}")), _text(form, f"note-{pid}") or None,
                     _optional_id(form, f"merged_into-{pid}")) for pid in dict.fromkeys(ids)]


async def outcomes_page(request: web.Request, *, status: int = 200, error: str | None = None,
                        form: dict[str, str] | None = None) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    detail = await office.hearings.detail(visit.actor, hearing_id_of(request))
    return render(request, "hearing_outcomes.html", status=status, detail=detail, error=error, form=form or {},
                  **labels(request))


async def _show(request: web.Request) -> web.Response:
    return await outcomes_page(request)


async def save_outcomes(request: web.Request) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    form = await request.post()
    kept = {key: str(value) for key, value in form.items() if key not in ("csrf", "proposal")}
    try:
        await office.hearings.decide_all(visit.actor, hearing_id_of(request), read_decisions(form))
    except FormError as error:
        return await outcomes_page(request, status=400, error=say(request, str(error)), form=kept)
    except OutcomeRefused as refused:
        message = say(request, REFUSED[refused.why], id=refused.proposal_id)
        return await outcomes_page(request, status=400, error=message, form=kept)
    except NotFound as missing:
        raise web.HTTPNotFound() from missing
    except NotAllowed:
        return await outcomes_page(request, status=403, error=say(request, texts.NOT_ALLOWED), form=kept)
    raise web.HTTPSeeOther(f"{PREFIX}/hearings/{hearing_id_of(request)}?done=outcomes#proposals")


def add_hearing_outcome_routes(app: web.Application) -> None:
    """Before the hearing actions: /hearings/{id}/outcomes is not one of theirs."""
    app.router.add_get(r"/hearings/{id:\d{1,9}}/outcomes", _show)
    app.router.add_post(r"/hearings/{id:\d{1,9}}/outcomes", save_outcomes)
