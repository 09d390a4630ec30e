"""The lawyers' chat (a Telegram group, ``LAWYERS_CHAT``): presses on question cards and replies
to the bot's prompts, handed over by the staff chat (``StaffChat(others=[…])``).

Take acts at once; Answer and Ask the asker post a prompt under the card, and the lawyer's
reply to it is the text; Hand over lists the other lawyers of the question's municipality.
After an answer the bot offers to publish it: the anonymised draft is posted for approval,
and Approve publishes it. Only lawyers may act (a refused press is answered and logged).
"""

import logging
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from handlers.envelope import Option, Reply
from handlers.errors import InvalidInput, NotAllowed, NotFound
from handlers.i18n import N_, gettext
from handlers.legal.cards import CARD_PREFIX, LegalAction, parse_legal_option
from handlers.legal.desk import LegalDesk
from handlers.legal.lawyers import Lawyer, lawyers_of
from handlers.legal.topics import question_ref
from handlers.services.outbox import PRIORITY_REPLY, do_enqueue
from handlers.staff.audit import do_audit
from handlers.staff.chats import staff_chat_identity
from storage.db import Database
from storage.enums import Language
from storage.models import ChannelIdentity, LegalQuestion
from storage.types import utcnow

log = logging.getLogger(__name__)

APPROVE = "approve"
NOT_LAWYER = N_("Only lawyers can do this. Ask the administrator for the lawyer role.")
PROMPTS = {
    LegalAction.ANSWER: N_("{name}, reply to this message with the answer to {ref}: it goes to the asker as you "
                           "write it."),
    LegalAction.ASK: N_("{name}, reply to this message with your question to the asker of {ref}."),
}


class LegalChat:
    def __init__(self, db: Database, desk: LegalDesk, chat_address: str, *, language: Language = Language.RU,
                 clock: Callable[[], datetime] = utcnow, on_outbox: Callable[[], None] = lambda: None) -> None:
        self.db, self.desk, self.chat_address, self.clock, self.on_outbox = db, desk, chat_address, clock, on_outbox
        self.language = language
        """The language the bot speaks in this chat (``LAWYERS_CHAT_LANGUAGE``)."""

    def _(self, message: str, /, **values: object) -> str:
        return gettext(self.language, message, **values)

    def serves(self, chat_address: str) -> bool:
        return chat_address == self.chat_address

    async def press(self, chat_address: str, user_address: str, value: str, user_name: str) -> str | None:
        parsed = parse_legal_option(value)
        if parsed is None:
            return None
        action, question_id, extra = parsed
        lawyer = await self._lawyer(user_address, f"press {value}")
        if lawyer is None:
            return self._(NOT_LAWYER)
        ref = question_ref(question_id)
        try:
            if action == LegalAction.TAKE:
                await self.desk.take(lawyer, question_id)
                return self._("Taken: {ref} is yours.", ref=ref)
            if action in PROMPTS:
                await self.desk.check(lawyer, question_id, action)
                await self._post(question_id, self._(PROMPTS[action], name=user_name or lawyer.name,
                                                      ref=ref), expects={"action": action.value,
                                                                         "question_id": question_id})
            elif action == LegalAction.HAND_OVER:
                return await self._hand_over(lawyer, question_id, extra)
            elif action == LegalAction.PUBLISH:
                return await self._publish(lawyer, question_id, extra == APPROVE)
            return None
        except (NotAllowed, NotFound):
            return self._(NOT_LAWYER)
        except InvalidInput as error:
            log.info("lawyers' chat press refused: %s", error)
            return self._("This cannot be done now: the question has been taken, answered or handed "
                          "over meanwhile. The card shows where it stands.")

    async def answer_prompt(self, chat_address: str, user_address: str, prompt: dict, text: str) -> None:
        """A lawyer replied to one of our prompts with the text it asked for."""
        action, question_id = LegalAction(prompt["action"]), int(prompt["question_id"])
        lawyer = await self._lawyer(user_address, f"reply {action.value}")
        ref = question_ref(question_id)
        options: list[Option] = []
        try:
            if lawyer is None:
                said = self._(NOT_LAWYER)
            elif action == LegalAction.ANSWER:
                await self.desk.answer(lawyer, question_id, text)
                said = self._("✅ The answer to {ref} was sent to the asker. Publish it in the answer base "
                              "(anonymised, you approve it first)?", ref=ref)
                options = [self._option(LegalAction.PUBLISH, question_id, N_("📚 Publish"))]
            else:
                await self.desk.ask_asker(lawyer, question_id, text)
                said = self._("✅ The question was sent to the asker of {ref}; the reply will appear "
                              "here.", ref=ref)
        except (NotAllowed, NotFound):
            said = self._(NOT_LAWYER)
        except InvalidInput as error:
            log.info("lawyers' chat reply refused: %s", error)
            said = self._("Not sent: the text must be 1 to 4,000 characters, and the question still open "
                          "and not another lawyer's. Reply to the prompt again.")
        await self._post(question_id, said, options=options, reply_to=prompt["outbox_id"])

    # -- pieces ----------------------------------------------------------------------------------
    @staticmethod
    def _option(action: LegalAction, question_id: int, label: str, extra: str = "") -> Option:
        value = f"{CARD_PREFIX}:{action.value}:{question_id}" + (f":{extra}" if extra else "")
        return Option(value, gettext(Language.KY, label), gettext(Language.RU, label))

    async def _hand_over(self, lawyer: Lawyer, question_id: int, to: str) -> str | None:
        if to.isdigit():
            await self.desk.hand_over(lawyer, question_id, int(to))
            return self._("↪️ {ref} is handed over.", ref=question_ref(question_id))
        await self.desk.check(lawyer, question_id, LegalAction.HAND_OVER)
        async with self.db.reader() as session:
            question = await session.get(LegalQuestion, question_id)
            if question is None:
                raise NotFound(f"no legal question {question_id}")
            colleagues = [p for p in await lawyers_of(session, question.municipality_id) if p.id != lawyer.person_id]
        options = [Option(f"{CARD_PREFIX}:{LegalAction.HAND_OVER.value}:{question_id}:{p.id}",
                          p.display_name or f"#{p.id}", p.display_name or f"#{p.id}") for p in colleagues]
        await self._post(question_id, self._("Hand {ref} over to which lawyer?",
                                              ref=question_ref(question_id)), options=options)
        return None

    async def _publish(self, lawyer: Lawyer, question_id: int, approve: bool) -> str | None:
        ref = question_ref(question_id)
        if approve:
            detail = await self.desk.detail(lawyer, question_id)
            if detail.draft is None:
                raise InvalidInput("there is no draft to approve")
            await self.desk.approve_publication(lawyer, question_id, detail.draft.question, detail.draft.answer)
            return self._("📚 Published: the answer to {ref} is in the answer base.", ref=ref)
        draft = await self.desk.prepare_publication(lawyer, question_id)
        text = self._("The answer to {ref} as it would be published (names, phone numbers and ID numbers "
                      "removed). Check it; to change it, use the back office.", ref=ref)
        await self._post(question_id, f"{text}\n\n❓ {draft.question}\n\n⚖️ {draft.answer}",
                         options=[self._option(LegalAction.PUBLISH, question_id, N_("✅ Approve and publish"),
                                               APPROVE)])
        return None

    async def _lawyer(self, user_address: str, what: str) -> Lawyer | None:
        async with self.db.reader() as session:
            person_id = await session.scalar(sa.select(ChannelIdentity.person_id)
                                             .where(ChannelIdentity.address == user_address))
        lawyer = await self.desk.lawyer(person_id, via="lawyers_chat", language=self.language) if person_id else None
        if lawyer is None:
            async with self.db.transaction() as session:
                do_audit(session, via="lawyers_chat", action=what.split(" ")[0], now=self.clock(), allowed=False,
                         actor_person_id=person_id,
                         detail={"user": user_address, "what": what, "reason": "no lawyer role"})
            log.warning("lawyers' chat: %s by %s refused (no lawyer role)", what, user_address)
        return lawyer

    async def _post(self, question_id: int, text: str, *, options: list[Option] | None = None,
                    expects: dict | None = None, reply_to: int | None = None) -> None:
        """A message under the question's card (or under the given message)."""
        async with self.db.transaction() as session:
            now = self.clock()
            question = await session.get(LegalQuestion, question_id)
            identity = await staff_chat_identity(session, self.chat_address, now)
            do_enqueue(session, identity, Reply(text, options=options or [], language=self.language,
                                                reply_to=reply_to or (question.card_outbox_id if question else None),
                                                expects_reply=expects), now, priority=PRIORITY_REPLY)
        self.on_outbox()
