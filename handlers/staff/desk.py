"""The staff desk: the one service the web back office and the staff chat both call.

Each call is one unit of work: find the request among those the actor may see
(``NotFound`` otherwise, also for another municipality's id), check the action is allowed
(``NotAllowed`` otherwise — the refusal is written to the audit log in its own
transaction, so it survives the rollback), do it, write the audit entry, and wake delivery.
"""

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.config import CoreConfig
from handlers.errors import InvalidInput, NotAllowed, NotFound
from handlers.services.merge import do_merge_request
from handlers.services.people import do_erase_person
from handlers.services.requests import request_by_ticket
from handlers.staff import actions, views
from handlers.staff.access import Actor, StaffAction, allowed_actions, can_overall, load_actor, possible_now
from handlers.staff.audit import do_audit
from handlers.staff.cards import do_post_card, do_refresh_cards
from handlers.staff.dashboard import Dashboard, dashboard
from handlers.staff.journal import JournalFilters, JournalRow, journal_rows
from handlers.staff.registration import (
    GivenAnswer,
    PaperAppeal,
    Receipt,
    do_record_answer_given,
    do_register_appeal,
    receipt_of,
    scan_of,
)
from handlers.staff.views import Choices, RequestDetail, RequestFilters, RequestPage, RequestRow
from storage.db import Database, get_referenced
from storage.enums import Language
from storage.models import Person, Request, RequestScan
from storage.types import utcnow

ERASED_NOTE = "The applicant's personal data were erased at their request."
Work = Callable[[AsyncSession, Any, datetime], Awaitable[None]]
_Action = TypeVar("_Action", bound=StrEnum)


class DeskMachinery(Generic[_Action]):
    """One unit of work per staff action on one item, refusals logged after the rollback.

    A desk over a kind of item (requests here, legal questions in ``handlers.legal``) says
    how to find an item the actor may act on (``_visible``, raising ``Refused``), what to
    refresh after a change (``_after``) and how the item is named in the audit log.
    """

    object_type = "item"

    def __init__(self, db: Database, config: CoreConfig, *, clock: Callable[[], datetime] = utcnow,
                 on_outbox: Callable[[], None] = lambda: None) -> None:
        self.db, self.config, self.clock, self.on_outbox = db, config, clock, on_outbox

    async def _visible(self, actor: Any, item_id: int, action: _Action, session: AsyncSession, *,
                       lock: bool = False) -> Any:
        raise NotImplementedError

    async def _after(self, session: AsyncSession, item: Any, now: datetime) -> None:
        """What follows every change (e.g. the staff-chat cards shown again)."""

    async def _do(self, actor: Any, item_id: int, action: _Action, work: Work, *,
                  detail: dict[str, Any] | None = None, refresh_cards: bool = True) -> None:
        try:
            async with self.db.transaction() as session:
                now = self.clock()
                item = await self._visible(actor, item_id, action, session, lock=True)
                await work(session, item, now)
                if refresh_cards:
                    await self._after(session, item, now)
                do_audit(session, via=actor.via, action=action.value, now=now, allowed=True,
                         municipality_id=item.municipality_id, actor_person_id=actor.person_id,
                         object_type=self.object_type, object_id=item.id, detail=detail)
        except Refused as refused:
            raise await self._refuse(actor, action, item_id, refused) from refused
        self.on_outbox()

    async def check(self, actor: Any, item_id: int, action: _Action) -> None:
        """Raises (and logs) as the action itself would, without doing it: before asking for its text."""
        try:
            async with self.db.reader() as session:
                await self._visible(actor, item_id, action, session)
        except Refused as refused:
            raise await self._refuse(actor, action, item_id, refused) from refused

    async def _refuse(self, actor: Any, action: _Action, item_id: int, refused: "Refused") -> Exception:
        """Logs a refusal (after the refused unit of work has ended) and gives the error to raise."""
        reason = "no role for the action" if refused.visible else "not visible"
        await self._audit(actor, action, item_id, False, {"reason": reason})
        if not refused.visible:
            return NotFound(f"no {self.object_type} {item_id} for this actor")
        return NotAllowed(f"{action.value} on {self.object_type} {item_id} is not allowed for person {actor.person_id}")

    async def _audit(self, actor: Any, action: StrEnum, item_id: int | None, allowed: bool,
                     detail: dict[str, Any]) -> None:
        async with self.db.transaction() as session:
            do_audit(session, via=actor.via, action=action.value, now=self.clock(), allowed=allowed,
                     municipality_id=actor.municipality_id, actor_person_id=actor.person_id,
                     object_type=self.object_type if item_id is not None else None, object_id=item_id,
                     detail=detail)


class Refused(Exception):
    def __init__(self, *, visible: bool) -> None:
        super().__init__("refused")
        self.visible = visible


class StaffDesk(DeskMachinery[StaffAction]):
    object_type = "request"

    async def actor(self, person_id: int, municipality_id: int, *, via: str,
                    language: Language | None = None) -> Actor | None:
        async with self.db.reader() as session:
            return await load_actor(session, person_id, municipality_id, via, language)

    # -- seeing ----------------------------------------------------------------------------------
    async def list_requests(self, actor: Actor, filters: RequestFilters, page: int = 1,
                            per_page: int = 50) -> RequestPage:
        async with self.db.reader() as session:
            return await views.request_page(session, actor, filters, page, per_page, self.clock(),
                                            self.config.timezone)

    async def request_detail(self, actor: Actor, request_id: int) -> RequestDetail:
        try:
            async with self.db.reader() as session:
                request = await self._visible(actor, request_id, StaffAction.VIEW, session)
                shown = possible_now(request, allowed_actions(actor, request))
                return await views.request_detail(session, actor, request, shown, self.clock())
        except Refused as refused:
            raise await self._refuse(actor, StaffAction.VIEW, request_id, refused) from refused

    async def receipt(self, actor: Actor, request_id: int) -> Receipt:
        async with self.db.reader() as session:
            return await receipt_of(session, await self._seen(actor, request_id, session))

    async def scan(self, actor: Actor, request_id: int, scan_id: int) -> RequestScan:
        async with self.db.reader() as session:
            found = await scan_of(session, (await self._seen(actor, request_id, session)).id, scan_id)
        if found is None:
            raise NotFound(f"no scan {scan_id} of request {request_id}")
        return found

    async def _seen(self, actor: Actor, request_id: int, session: AsyncSession) -> Request:
        try:
            return await self._visible(actor, request_id, StaffAction.VIEW, session)
        except Refused as refused:
            raise await self._refuse(actor, StaffAction.VIEW, request_id, refused) from refused

    async def choices(self, actor: Actor) -> Choices:
        async with self.db.reader() as session:
            return await views.choices(session, actor)

    async def export_rows(self, actor: Actor, filters: RequestFilters) -> list[RequestRow]:
        await self._check_overall(actor, StaffAction.EXPORT)
        async with self.db.reader() as session:
            rows = await views.export_rows(session, actor, filters, self.clock(), self.config.timezone)
        await self._audit(actor, StaffAction.EXPORT, None, True, {"rows": len(rows)})
        return rows

    async def journal(self, actor: Actor, filters: JournalFilters, *, export: bool = False) -> list[JournalRow]:
        """The register of appeals for a period, over what the actor may see (an export is audited)."""
        await self._check_overall(actor, StaffAction.EXPORT)
        async with self.db.reader() as session:
            rows = await journal_rows(session, actor, filters, self.config.timezone)
        if export:
            await self._audit(actor, StaffAction.EXPORT, None, True, {"journal": True, "rows": len(rows)})
        return rows

    async def dashboard(self, actor: Actor, date_from: date, date_to: date) -> Dashboard:
        await self._check_overall(actor, StaffAction.DASHBOARD)
        async with self.db.reader() as session:
            return await dashboard(session, actor, date_from, date_to, self.clock(), self.config.timezone)

    # -- doing -----------------------------------------------------------------------------------
    async def take(self, actor: Actor, request_id: int) -> None:
        await self._do(actor, request_id, StaffAction.TAKE,
                       lambda s, r, now: actions.do_take(s, actor, r, now))

    async def answer(self, actor: Actor, request_id: int, text: str, *, resolve: bool = False) -> None:
        await self._do(actor, request_id, StaffAction.ANSWER,
                       lambda s, r, now: actions.do_answer(s, self.config, actor, r, text, now, resolve=resolve))

    async def ask_resident(self, actor: Actor, request_id: int, question: str) -> None:
        await self._do(actor, request_id, StaffAction.ASK,
                       lambda s, r, now: actions.do_ask_resident(s, self.config, actor, r, question, now))

    async def forward(self, actor: Actor, request_id: int, department_id: int, note: str | None = None) -> None:
        await self._do(actor, request_id, StaffAction.FORWARD,
                       lambda s, r, now: actions.do_forward(s, actor, r, department_id, note, now),
                       detail={"department_id": department_id})

    async def resolve(self, actor: Actor, request_id: int, note: str | None = None) -> None:
        await self._do(actor, request_id, StaffAction.RESOLVE,
                       lambda s, r, now: actions.do_resolve(s, self.config, actor, r, note, now))

    async def reject(self, actor: Actor, request_id: int, reason: str, responsible_body_id: int | None = None) -> None:
        await self._do(actor, request_id, StaffAction.REJECT,
                       lambda s, r, now: actions.do_reject(s, actor, r, reason, responsible_body_id, now),
                       detail={"responsible_body_id": responsible_body_id})

    async def extend(self, actor: Actor, request_id: int, days: int, reason: str) -> None:
        await self._do(actor, request_id, StaffAction.EXTEND,
                       lambda s, r, now: actions.do_extend(s, self.config, actor, r, days, reason, now),
                       detail={"days": days})

    async def add_note(self, actor: Actor, request_id: int, text: str) -> None:
        async def note(session: AsyncSession, request: Request, now: datetime) -> None:
            actions.do_note(session, actor, request, text, now)
        await self._do(actor, request_id, StaffAction.NOTE, note, refresh_cards=False)

    async def register(self, actor: Actor, appeal: PaperAppeal) -> Request:
        """Registers an appeal received outside the messengers; a back-dating the role does not
        allow is refused and logged; one the head allows is logged with its reason."""
        await self._check_overall(actor, StaffAction.REGISTER)
        try:
            async with self.db.transaction() as session:
                now = self.clock()
                request = await do_register_appeal(session, self.config, actor, appeal, now)
                await do_post_card(session, request, now)
                do_audit(session, via=actor.via, action=StaffAction.REGISTER.value, now=now, allowed=True,
                         municipality_id=actor.municipality_id, actor_person_id=actor.person_id,
                         object_type=self.object_type, object_id=request.id,
                         detail={"source": appeal.source.value, "received_at": appeal.received_at.isoformat(),
                                 "backdate_reason": appeal.backdate_reason, "scans": len(appeal.scans)})
        except NotAllowed as refused:
            await self._audit(actor, StaffAction.REGISTER, None, False,
                              {"reason": str(refused), "received_at": appeal.received_at.isoformat()})
            raise
        self.on_outbox()
        return request

    async def record_answer_given(self, actor: Actor, request_id: int, answer: GivenAnswer, *,
                                  resolve: bool = False) -> None:
        async def record(session: AsyncSession, request: Request, now: datetime) -> None:
            do_record_answer_given(session, self.config, actor, request, answer, now)
            if resolve:
                await actions.do_resolve(session, self.config, actor, request, None, now)
        await self._do(actor, request_id, StaffAction.RECORD_ANSWER, record,
                       detail={"form": answer.form.value, "given_on": answer.given_on.isoformat()})

    async def merge(self, actor: Actor, request_id: int, target_ticket: str) -> None:
        """Merges the request into the one numbered ``target_ticket`` (of the actor's municipality), when
        the actor may merge both; another municipality's number is not found (``InvalidInput``)."""
        async def merge(session: AsyncSession, request: Request, now: datetime) -> None:
            try:
                target = await request_by_ticket(session, actor.municipality_id, target_ticket)
            except NotFound as missing:
                raise InvalidInput(str(missing)) from missing
            if StaffAction.MERGE not in allowed_actions(actor, target):
                raise Refused(visible=True)
            await session.refresh(target, with_for_update=True)
            await do_merge_request(session, request, target, actor_person_id=actor.person_id, now=now)
            await do_refresh_cards(session, target, now)
        await self._do(actor, request_id, StaffAction.MERGE, merge, detail={"into": target_ticket.strip().upper()})

    async def erase_applicant(self, actor: Actor, request_id: int) -> None:
        """Erases what is kept about the applicant (a paper applicant, a neighbour), on their request;
        the request stays in the register without them."""
        async def erase(session: AsyncSession, request: Request, now: datetime) -> None:
            await do_erase_person(session, await get_referenced(session, Person, request.person_id), now)
            actions.do_note(session, actor, request, ERASED_NOTE, now)
        await self._do(actor, request_id, StaffAction.ERASE_APPLICANT, erase, refresh_cards=False)

    # -- the machinery ---------------------------------------------------------------------------
    async def _after(self, session: AsyncSession, item: Request, now: datetime) -> None:
        await do_refresh_cards(session, item, now)

    async def _visible(self, actor: Actor, request_id: int, action: StaffAction, session: AsyncSession, *,
                       lock: bool = False) -> Request:
        """The request if the actor may do ``action`` on it; ``Refused`` otherwise."""
        request = await session.get(Request, request_id, with_for_update=lock)
        allowed = allowed_actions(actor, request) if request is not None else set()
        if request is not None and action in allowed:
            return request
        raise Refused(visible=bool(allowed))

    async def _check_overall(self, actor: Actor, action: StaffAction) -> None:
        if not can_overall(actor, action):
            await self._audit(actor, action, None, False, {"reason": "no role for the action"})
            raise NotAllowed(f"{action.value} is not allowed for person {actor.person_id}")
