"""The staff chat: presses on a request card's buttons and replies under its prompts.

A press on Take or Resolve acts at once; Answer, Ask the resident and Reject post a
prompt under the card, and the staff member's reply to that prompt is the text; Forward
posts the departments to choose from. Everything goes through the desk, as the person
who pressed or replied: being in the group is not enough, a role in the department is
(a refused press is answered and logged). The prompts are ordinary outbox messages whose
payload says what their reply is for, so nothing is kept in memory.
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from handlers.envelope import Option, Reply
from handlers.errors import InvalidInput, NotAllowed, NotFound
from handlers.i18n import N_, both, gettext, pick
from handlers.outbox_payload import decode_reply
from handlers.services import codes
from handlers.services.intake import do_claim_intake
from handlers.services.outbox import PRIORITY_REPLY, do_enqueue
from handlers.staff.access import Actor, StaffAction
from handlers.staff.audit import do_audit
from handlers.staff.cards import CARD_PREFIX, parse_card_option
from handlers.staff.chats import staff_chat_identity
from handlers.staff.desk import StaffDesk
from storage.db import Database, get_referenced
from storage.enums import CodePurpose, Language
from storage.models import ChannelIdentity, Department, OutboxMessage, Request, StaffCard
from storage.types import utcnow

log = logging.getLogger(__name__)

FORWARD_TO = "fwd"
PROMPT_LOOKUPS, PROMPT_LOOKUP_PAUSE = 8, 0.25
PROMPTS = {
    StaffAction.ANSWER: N_("{name}, reply to this message with the answer to {ticket}: it goes to the resident "
                           "as you write it."),
    StaffAction.ASK: N_("{name}, reply to this message with your question to the resident of {ticket}."),
    StaffAction.REJECT: N_("{name}, reply to this message with the reason for rejecting {ticket}."),
}
DONE = {
    StaffAction.TAKE: N_("Taken: {ticket} is yours."),
    StaffAction.RESOLVE: N_("{ticket} is resolved; the resident is asked to rate it."),
    StaffAction.ANSWER: N_("✅ The answer to {ticket} was sent to the resident."),
    StaffAction.ASK: N_("✅ The question was sent to the resident of {ticket}; the reply will appear here."),
    StaffAction.REJECT: N_("⛔ {ticket} is rejected; the resident was told why."),
    StaffAction.FORWARD: N_("↪️ {ticket} was forwarded to: {department}."),
}
NOT_STAFF = N_("Only staff of this department can do this. Ask the administrator for a role.")


class StaffChat:
    def __init__(self, db: Database, desk: StaffDesk, *, clock: Callable[[], datetime] = utcnow,
                 on_outbox: Callable[[], None] = lambda: None, others: list | None = None) -> None:
        self.db, self.desk, self.clock, self.on_outbox = db, desk, clock, on_outbox
        self.others = others or []
        """Other group chats with cards of their own (the lawyers'): each ``serves(chat)``, takes
        ``press(chat, user, value, name)`` and ``answer_prompt(chat, user, prompt, text)``."""

    def _other(self, chat_address: str):
        return next((other for other in self.others if other.serves(chat_address)), None)

    async def claim(self, intake_id: int | None) -> bool:
        """Marks a recorded update processed before acting on it: a staff action is done at most once
        (a crash in between loses the press, which the card shows; it never answers a resident twice)."""
        if intake_id is None:
            return True
        async with self.db.transaction() as session:
            return await do_claim_intake(session, intake_id, self.clock())

    async def introduce(self, chat_address: str) -> None:
        """The bot was added to a group: it posts a one-time code the administrator types in the
        back office to link the group to a department (no chat ids to copy)."""
        message = N_("Hello! I am the Kairyl bot. To receive a department's requests in this group, the administrator "
                     "opens «Departments» in the back office, picks the department and types this code: {code}\n"
                     "(it works for two days; for a new one, remove the bot from the group and add it again. From the "
                     "command line: python main.py admin department chat <municipality> <department> {address})")
        async with self.db.transaction() as session:
            now = self.clock()
            await codes.do_drop_codes(session, CodePurpose.STAFF_GROUP, chat_address=chat_address)
            code = codes.do_make_code(session, CodePurpose.STAFF_GROUP, now, chat_address=chat_address)
            identity = await staff_chat_identity(session, chat_address, now)
            do_enqueue(session, identity, Reply("\n\n".join(both(message, code=code, address=chat_address))), now)
        self.on_outbox()

    async def press(self, chat_address: str, user_address: str, value: str, user_name: str) -> str | None:
        """A button under a card was pressed; returns the short answer to show the presser."""
        if (other := self._other(chat_address)) is not None:
            return await other.press(chat_address, user_address, value, user_name)
        department = await self._department(chat_address)
        if department is None:
            return None  # not a staff chat
        language = department.staff_chat_language
        actor = await self._actor(department, user_address, "press " + value)
        if actor is None:
            return gettext(language, NOT_STAFF)
        forward = self._forward_target(value)
        parsed = parse_card_option(value) if forward is None else (StaffAction.FORWARD, forward[0])
        if parsed is None:
            return None
        action, request_id = parsed
        try:
            if forward is not None:
                return await self._forward(actor, language, *forward)
            if action in (StaffAction.TAKE, StaffAction.RESOLVE):
                await (self.desk.take if action == StaffAction.TAKE else self.desk.resolve)(actor, request_id)
                return gettext(language, DONE[action], ticket=await self._ticket(request_id))
            await self.desk.check(actor, request_id, action)
            if action == StaffAction.FORWARD:
                await self._offer_departments(chat_address, department, request_id)
            elif action in PROMPTS:
                await self._prompt(chat_address, language, action, request_id, user_name or actor.name)
            return None
        except (NotAllowed, NotFound):
            return gettext(language, NOT_STAFF)
        except InvalidInput as error:
            log.info("staff chat press refused: %s", error)
            return gettext(language,
                           "This cannot be done now: the request has changed. The card shows where it stands.")

    async def reply(self, chat_address: str, user_address: str, replied_message_id: str, text: str) -> bool:
        """A message replying to one of our prompts: the text the prompt asked for. False if not ours."""
        prompt = await self._prompt_replied_to(chat_address, replied_message_id)
        if prompt is not None and (other := self._other(chat_address)) is not None:
            await other.answer_prompt(chat_address, user_address, prompt, text)
            return True
        department = await self._department(chat_address)
        if prompt is None or department is None:
            return False
        language = department.staff_chat_language
        action, request_id = StaffAction(prompt["action"]), int(prompt["request_id"])
        actor = await self._actor(department, user_address, f"reply {action.value}")
        if actor is None:
            await self._say(chat_address, language, gettext(language, NOT_STAFF), prompt["outbox_id"])
            return True
        try:
            if action == StaffAction.ANSWER:
                await self.desk.answer(actor, request_id, text)
            elif action == StaffAction.ASK:
                await self.desk.ask_resident(actor, request_id, text)
            else:
                await self.desk.reject(actor, request_id, text)
            said = gettext(language, DONE[action], ticket=await self._ticket(request_id))
        except (NotAllowed, NotFound):
            said = gettext(language, NOT_STAFF)
        except InvalidInput:
            said = gettext(language, "Not sent: the text must be 1 to 4,000 characters and the request still open. "
                                     "Reply to the prompt again.")
        await self._say(chat_address, language, said, prompt["outbox_id"])
        return True

    # -- pieces ----------------------------------------------------------------------------------
    async def _department(self, chat_address: str) -> Department | None:
        async with self.db.reader() as session:
            return (await session.execute(sa.select(Department).where(Department.staff_chat == chat_address)
                                          .limit(1))).scalar_one_or_none()

    async def _actor(self, department: Department, user_address: str, what: str) -> Actor | None:
        async with self.db.reader() as session:
            person_id = await session.scalar(sa.select(ChannelIdentity.person_id)
                                             .where(ChannelIdentity.address == user_address))
        actor = None
        if person_id is not None:
            actor = await self.desk.actor(person_id, department.municipality_id, via="staff_chat",
                                          language=department.staff_chat_language)
        if actor is None:
            async with self.db.transaction() as session:
                do_audit(session, via="staff_chat", action=what.split(" ")[0], now=self.clock(), allowed=False,
                         municipality_id=department.municipality_id, actor_person_id=person_id,
                         detail={"user": user_address, "what": what, "reason": "no staff role"})
            log.warning("staff chat: %s by %s refused (no staff role)", what, user_address)
        return actor

    @staticmethod
    def _forward_target(value: str) -> tuple[int, int] | None:
        """``card:fwd:<request id>:<department id>``."""
        parts = value.split(":")
        if len(parts) == 4 and parts[:2] == [CARD_PREFIX, FORWARD_TO] and parts[2].isdigit() and parts[3].isdigit():
            return int(parts[2]), int(parts[3])
        return None

    async def _forward(self, actor: Actor, language: Language, request_id: int, department_id: int) -> str:
        await self.desk.forward(actor, request_id, department_id)
        async with self.db.reader() as session:
            department = await get_referenced(session, Department, department_id)  # forwarded to just now
        return gettext(language, DONE[StaffAction.FORWARD], ticket=await self._ticket(request_id),
                       department=pick(language, department.name_ky, department.name_ru))

    async def _ticket(self, request_id: int) -> str:
        async with self.db.reader() as session:
            return await session.scalar(sa.select(Request.ticket).where(Request.id == request_id)) or "?"

    async def _card_outbox_id(self, session, chat_address: str, request_id: int) -> int | None:
        return await session.scalar(sa.select(StaffCard.outbox_id).where(
            StaffCard.request_id == request_id, StaffCard.chat_address == chat_address))

    async def _prompt(self, chat_address: str, language: Language, action: StaffAction, request_id: int,
                      name: str) -> None:
        async with self.db.transaction() as session:
            now = self.clock()
            request = await session.get(Request, request_id)
            if request is None:
                raise NotFound(f"no request {request_id}")
            identity = await staff_chat_identity(session, chat_address, now)
            text = gettext(language, PROMPTS[action], name=name, ticket=request.ticket)
            do_enqueue(session, identity, Reply(text, language=language,
                                                reply_to=await self._card_outbox_id(session, chat_address, request_id),
                                                expects_reply={"action": action.value, "request_id": request_id}),
                       now, priority=PRIORITY_REPLY)
        self.on_outbox()

    async def _offer_departments(self, chat_address: str, department: Department, request_id: int) -> None:
        async with self.db.transaction() as session:
            now = self.clock()
            others = (await session.scalars(sa.select(Department).where(
                Department.municipality_id == department.municipality_id, Department.id != department.id)
                .order_by(Department.id))).all()
            language = department.staff_chat_language
            options = [Option(f"{CARD_PREFIX}:{FORWARD_TO}:{request_id}:{other.id}", other.name_ky, other.name_ru)
                       for other in others]
            request = await session.get(Request, request_id)
            if request is None:
                raise NotFound(f"no request {request_id}")
            identity = await staff_chat_identity(session, chat_address, now)
            do_enqueue(session, identity, Reply(gettext(language, "Forward {ticket} to which department?",
                                                        ticket=request.ticket), options=options, language=language,
                                                reply_to=await self._card_outbox_id(session, chat_address, request_id)),
                       now, priority=PRIORITY_REPLY)
        self.on_outbox()

    async def _prompt_replied_to(self, chat_address: str, message_id: str) -> dict | None:
        """The prompt a reply answers. Delivery records sent message ids a moment after sending
        (``DeliveryWorker.record_every``), so a very quick reply may look a little longer."""
        for _attempt in range(PROMPT_LOOKUPS):
            async with self.db.reader() as session:
                row = (await session.execute(sa.select(OutboxMessage.id, OutboxMessage.payload).where(
                    OutboxMessage.address == chat_address, OutboxMessage.external_id == message_id)
                    .limit(1))).first()
            if row is not None:
                prompt = decode_reply(row.payload).expects_reply if row.payload else None
                return {**prompt, "outbox_id": row.id} if prompt else None
            await asyncio.sleep(PROMPT_LOOKUP_PAUSE)
        return None

    async def _say(self, chat_address: str, language: Language, text: str, reply_to: int) -> None:
        async with self.db.transaction() as session:
            now = self.clock()
            identity = await staff_chat_identity(session, chat_address, now)
            do_enqueue(session, identity, Reply(text, language=language, reply_to=reply_to), now,
                       priority=PRIORITY_REPLY)
        self.on_outbox()
