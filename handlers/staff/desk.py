"""The staff desk: the one service the web back office and the staff chat both call.

Each call is one unit of work: find the request among those the actor may see
(``NotFound`` otherwise, also for another municipality's id), check the action is allowed
(``NotAllowed`` otherwise — the refusal is written to the audit log in its own
transaction, so it survives the rollback), do it, write the audit entry, and wake delivery.
"""

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.config import CoreConfig
from handlers.errors import NotAllowed, NotFound
from handlers.staff import actions, views
from handlers.staff.access import Actor, StaffAction, allowed_actions, can_overall, load_actor
from handlers.staff.audit import do_audit
from handlers.staff.cards import do_refresh_cards
from handlers.staff.dashboard import Dashboard, dashboard
from handlers.staff.views import Choices, RequestDetail, RequestFilters, RequestPage, RequestRow
from storage.db import Database
from storage.enums import Language
from storage.models import Request
from storage.types import utcnow

Work = Callable[[AsyncSession, Request, datetime], Awaitable[None]]


class StaffDesk:
    def __init__(self, db: Database, config: CoreConfig, *, clock: Callable[[], datetime] = utcnow,
                 on_outbox: Callable[[], None] = lambda: None) -> None:
        self.db, self.config, self.clock, self.on_outbox = db, config, clock, on_outbox

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
                return await views.request_detail(session, actor, request, allowed_actions(actor, request),
                                                  self.clock())
        except _Refused as refused:
            raise await self._refuse(actor, StaffAction.VIEW, request_id, refused)

    async def choices(self, actor: Actor) -> Choices:
        async with self.db.reader() as session:
            return await views.choices(session, actor)

    async def export_rows(self, actor: Actor, filters: RequestFilters) -> list[RequestRow]:
        await self._check_overall(actor, StaffAction.EXPORT)
        async with self.db.reader() as session:
            rows = await views.export_rows(session, actor, filters, self.clock(), self.config.timezone)
        await self._audit(actor, StaffAction.EXPORT, None, True, {"rows": len(rows)})
        return rows

    async def dashboard(self, actor: Actor, date_from: date, date_to: date) -> Dashboard:
        await self._check_overall(actor, StaffAction.DASHBOARD)
        async with self.db.reader() as session:
            return await dashboard(session, actor, date_from, date_to, self.clock(), self.config.timezone)

    async def check(self, actor: Actor, request_id: int, action: StaffAction) -> None:
        """Raises (and logs) as the action itself would, without doing it: before asking for its text."""
        try:
            async with self.db.reader() as session:
                await self._visible(actor, request_id, action, session)
        except _Refused as refused:
            raise await self._refuse(actor, action, request_id, refused)

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

    # -- the machinery ---------------------------------------------------------------------------
    async def _do(self, actor: Actor, request_id: int, action: StaffAction, work: Work, *,
                  detail: dict[str, Any] | None = None, refresh_cards: bool = True) -> None:
        try:
            async with self.db.transaction() as session:
                now = self.clock()
                request = await self._visible(actor, request_id, action, session, lock=True)
                await work(session, request, now)
                if refresh_cards:
                    await do_refresh_cards(session, request, now)
                do_audit(session, via=actor.via, action=action.value, now=now, allowed=True,
                         municipality_id=actor.municipality_id, actor_person_id=actor.person_id,
                         object_type="request", object_id=request.id, detail=detail)
        except _Refused as refused:
            raise await self._refuse(actor, action, request_id, refused)
        self.on_outbox()

    @staticmethod
    async def _visible(actor: Actor, request_id: int, action: StaffAction, session: AsyncSession, *,
                       lock: bool = False) -> Request:
        """The request if the actor may do ``action`` on it; ``_Refused`` otherwise."""
        request = await session.get(Request, request_id, with_for_update=lock)
        allowed = allowed_actions(actor, request) if request is not None else set()
        if action in allowed:
            return request
        raise _Refused(visible=bool(allowed))

    async def _refuse(self, actor: Actor, action: StaffAction, request_id: int, refused: "_Refused") -> Exception:
        """Logs a refusal (after the refused unit of work has ended) and gives the error to raise."""
        reason = "no role for the action" if refused.visible else "not visible"
        await self._audit(actor, action, request_id, False, {"reason": reason})
        if not refused.visible:
            return NotFound(f"no request {request_id} for this actor")
        return NotAllowed(f"{action.value} on request {request_id} is not allowed for person {actor.person_id}")

    async def _check_overall(self, actor: Actor, action: StaffAction) -> None:
        if not can_overall(actor, action):
            await self._audit(actor, action, None, False, {"reason": "no role for the action"})
            raise NotAllowed(f"{action.value} is not allowed for person {actor.person_id}")

    async def _audit(self, actor: Actor, action: StaffAction, request_id: int | None, allowed: bool,
                     detail: dict[str, Any]) -> None:
        async with self.db.transaction() as session:
            do_audit(session, via=actor.via, action=action.value, now=self.clock(), allowed=allowed,
                     municipality_id=actor.municipality_id, actor_person_id=actor.person_id,
                     object_type="request" if request_id is not None else None, object_id=request_id,
                     detail=detail)


class _Refused(Exception):
    def __init__(self, *, visible: bool) -> None:
        super().__init__("refused")
        self.visible = visible
