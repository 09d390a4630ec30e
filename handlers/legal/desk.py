"""The lawyers' desk: the one service the lawyers' chat and the back office call.

Each call is one unit of work through the staff desk's machinery (``DeskMachinery``): the
question must be of a municipality the lawyer serves (``NotFound`` otherwise, logged),
the action is done, the card in the lawyers' chat is shown again, the audit log says who.
"""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.legal import actions, marks, publishing, term_base, transfer
from handlers.legal.cards import LegalAction, do_post_legal_card
from handlers.legal.lawyers import Lawyer, lawyers_of, load_lawyer, questions_for_staff
from handlers.legal.report import LegalReport, legal_report
from handlers.legal.search import Hit, Strictness, mark_index_stale, search_answers
from handlers.legal.term_base import TermAction
from handlers.legal.terms import BadTerms, read_terms_csv
from handlers.staff.access import Actor, Grant
from handlers.staff.desk import DeskMachinery, Refused
from storage.enums import AnswerStatus, Language, LegalTopic, RequestStatus, Role
from storage.models import LegalAnswer, LegalQuestion, LegalTerm, Person

OPEN = (RequestStatus.RECEIVED, RequestStatus.IN_REVIEW)


@dataclass(frozen=True)
class QuestionDetail:
    question: LegalQuestion
    similar: list[Hit]
    """Published answers like it, to reuse (with the words that matched)."""
    draft: LegalAnswer | None
    shown: list[LegalAnswer] = field(default_factory=list)
    """The published answers the asker was shown before sending it anyway."""
    marked_wrong: set[int] = field(default_factory=set)
    """Those a lawyer marked as not answering it."""


class LegalDesk(DeskMachinery[LegalAction]):
    object_type = "legal_question"

    async def lawyer(self, person_id: int, *, via: str, language: Language | None = None) -> Lawyer | None:
        async with self.db.reader() as session:
            return await load_lawyer(session, person_id, via, language)

    async def web_actor(self, person_id: int, municipality_id: int, language: Language) -> Actor | None:
        """A lawyer signed in to the back office: an actor with the lawyer grant only (the staff desk
        shows them no request), or None if they are no lawyer of that municipality."""
        async with self.db.reader() as session:
            lawyer = await load_lawyer(session, person_id, "web", language)
        if lawyer is None or municipality_id not in lawyer.municipality_ids:
            return None
        return Actor(person_id=person_id, municipality_id=municipality_id, language=language, via="web",
                     grants=(Grant(Role.LAWYER, None, None),), name=lawyer.name)

    async def colleagues(self, lawyer: Lawyer, question: LegalQuestion) -> list[Person]:
        async with self.db.reader() as session:
            return [p for p in await lawyers_of(session, question.municipality_id) if p.id != lawyer.person_id]

    async def for_staff(self, actor: Actor) -> list[LegalQuestion]:
        """The municipality's questions its head or administrator may read (never the confidential ones)."""
        async with self.db.reader() as session:
            return await questions_for_staff(session, actor)

    async def answers(self, query: str = "", topic: LegalTopic | None = None, limit: int = 50) -> list[LegalAnswer]:
        """Published answers: found by words, or by topic, the most helpful first."""
        async with self.db.reader() as session:
            if query.strip():
                return [hit.answer for hit in await search_answers(session, query, limit=limit, topic=topic,
                                                                   strictness=Strictness.SIMILAR)]
            condition = LegalAnswer.status == AnswerStatus.PUBLISHED
            if topic is not None:
                condition = sa.and_(condition, LegalAnswer.topic == topic)
            return list((await session.scalars(sa.select(LegalAnswer).where(condition).order_by(
                LegalAnswer.helped.desc(), LegalAnswer.id).limit(limit))).all())

    async def export_base(self, lawyer: Lawyer) -> str:
        async with self.db.reader() as session:
            text = await transfer.export_csv(session)
        await self._audit(lawyer, LegalAction.EXPORT, None, True, {})
        return text

    async def import_base(self, lawyer: Lawyer, text: str) -> transfer.ImportReport:
        async with self.db.transaction() as session:
            report = await transfer.do_import_csv(session, text, self.clock(), author_person_id=lawyer.person_id)
        await self._audit(lawyer, LegalAction.IMPORT, None, not report.errors,
                          {"added": report.added, "replaced": report.replaced, "errors": len(report.errors)})
        return report

    # -- the list of terms (Kyrgyz/Russian equivalents) ----------------------------------------
    async def terms(self) -> list[LegalTerm]:
        async with self.db.reader() as session:
            return await term_base.all_terms(session)

    async def export_terms(self, lawyer: Lawyer) -> str:
        async with self.db.reader() as session:
            text = await term_base.export_terms_csv(session)
        await self._audit(lawyer, TermAction.EXPORT, None, True, {})
        return text

    async def add_term(self, lawyer: Lawyer, concept: str, term: str) -> LegalTerm:
        """``BadTerms`` or ``InvalidInput`` (the concept has it already): nothing changed, nothing logged."""
        async with self.db.transaction() as session:
            added = await term_base.do_add_term(session, concept, term, self.clock(), lawyer.person_id)
            mark_index_stale(session)
        await self._audit(lawyer, TermAction.ADD, None, True, {"term_id": added.id, "concept": added.concept,
                                                              "term": added.term})
        return added

    async def remove_term(self, lawyer: Lawyer, term_id: int) -> None:
        async with self.db.transaction() as session:
            removed = await term_base.do_remove_term(session, term_id)
            mark_index_stale(session)
        await self._audit(lawyer, TermAction.REMOVE, None, True, {"term_id": term_id, "concept": removed.concept,
                                                                 "term": removed.term})

    async def import_terms(self, lawyer: Lawyer, text: str) -> int:
        """Replaces the whole list with the file's (``BadTerms``, logged as refused, if any row is wrong);
        how many terms it has now."""
        try:
            rows = read_terms_csv(text)
        except BadTerms as bad:
            await self._audit(lawyer, TermAction.IMPORT, None, False, {"problem": bad.problem, "line": bad.line})
            raise
        async with self.db.transaction() as session:
            await term_base.do_replace_terms(session, rows, self.clock(), lawyer.person_id)
            mark_index_stale(session)
        await self._audit(lawyer, TermAction.IMPORT, None, True, {"terms": len(rows)})
        return len(rows)

    async def refuse_terms(self, actor: Actor, action: TermAction) -> None:
        """Someone who is no lawyer tried to change the list (or download it): logged as refused."""
        await self._audit(actor, action, None, False, {"reason": "not a lawyer"})

    async def report(self, lawyer: Lawyer, since: datetime) -> LegalReport:
        """The figures of the municipalities the lawyer serves."""
        async with self.db.reader() as session:
            return await legal_report(session, set(lawyer.municipality_ids), since, self.config.timezone)

    # -- seeing ----------------------------------------------------------------------------------
    async def queue(self, lawyer: Lawyer, *, open_only: bool = True, limit: int = 100) -> list[LegalQuestion]:
        query = sa.select(LegalQuestion).where(LegalQuestion.municipality_id.in_(sorted(lawyer.municipality_ids)))
        if open_only:
            query = query.where(LegalQuestion.status.in_(OPEN))
        async with self.db.reader() as session:
            return list((await session.scalars(query.order_by(LegalQuestion.due_at, LegalQuestion.id)
                                               .limit(limit))).all())

    async def detail(self, lawyer: Lawyer, question_id: int) -> QuestionDetail:
        try:
            async with self.db.reader() as session:
                question = await self._visible(lawyer, question_id, LegalAction.VIEW, session)
                await session.refresh(question, ["events"])
                similar = await search_answers(session, question.text, language=question.language, limit=3,
                                              strictness=Strictness.SIMILAR)
                shown = list((await session.scalars(sa.select(LegalAnswer).where(
                    LegalAnswer.id.in_(marks.shown_to_asker(question))).order_by(LegalAnswer.id))).all())
                return QuestionDetail(question, similar, await publishing.draft_of(session, question), shown,
                                      marks.marked_wrong(question))
        except Refused as refused:
            raise await self._refuse(lawyer, LegalAction.VIEW, question_id, refused) from refused

    # -- doing -----------------------------------------------------------------------------------
    async def take(self, lawyer: Lawyer, question_id: int) -> None:
        await self._do(lawyer, question_id, LegalAction.TAKE, lambda s, q, now: actions.do_take(s, lawyer, q, now))

    async def answer(self, lawyer: Lawyer, question_id: int, text: str) -> None:
        await self._do(lawyer, question_id, LegalAction.ANSWER,
                       lambda s, q, now: actions.do_answer(s, lawyer, q, text, now))

    async def ask_asker(self, lawyer: Lawyer, question_id: int, text: str) -> None:
        await self._do(lawyer, question_id, LegalAction.ASK,
                       lambda s, q, now: actions.do_ask_asker(s, self.config, lawyer, q, text, now))

    async def hand_over(self, lawyer: Lawyer, question_id: int, to_person_id: int) -> None:
        async def hand(session: AsyncSession, question: LegalQuestion, now: datetime) -> None:
            await actions.do_hand_over(session, lawyer, question, to_person_id, now)
        await self._do(lawyer, question_id, LegalAction.HAND_OVER, hand, detail={"to_person_id": to_person_id})

    async def mark_wrong(self, lawyer: Lawyer, question_id: int, answer_id: int) -> None:
        """"This did not answer it" for an answer suggested for the question (counted, fed to the ranking)."""
        async def mark(session: AsyncSession, question: LegalQuestion, now: datetime) -> None:
            await marks.do_mark_wrong(session, lawyer, question, answer_id, now)
        await self._do(lawyer, question_id, LegalAction.MARK_WRONG, mark, refresh_cards=False,
                       detail={"answer_id": answer_id})

    async def prepare_publication(self, lawyer: Lawyer, question_id: int) -> LegalAnswer:
        drafted: list[LegalAnswer] = []

        async def prepare(session: AsyncSession, question: LegalQuestion, now: datetime) -> None:
            drafted.append(await publishing.do_prepare_publication(session, lawyer, question, now))
        await self._do(lawyer, question_id, LegalAction.PUBLISH, prepare, refresh_cards=False,
                       detail={"step": "draft"})
        return drafted[0]

    async def approve_publication(self, lawyer: Lawyer, question_id: int, asked: str, answer: str) -> LegalAnswer:
        published: list[LegalAnswer] = []

        async def approve(session: AsyncSession, question: LegalQuestion, now: datetime) -> None:
            published.append(await publishing.do_approve_publication(session, lawyer, question, asked, answer, now))
        await self._do(lawyer, question_id, LegalAction.PUBLISH, approve, refresh_cards=False,
                       detail={"step": "approve"})
        return published[0]

    # -- the machinery ---------------------------------------------------------------------------
    async def _visible(self, lawyer: Lawyer, question_id: int, action: LegalAction, session: AsyncSession, *,
                       lock: bool = False) -> LegalQuestion:
        question = await session.get(LegalQuestion, question_id, with_for_update=lock)
        if question is None or not lawyer.serves(question):
            raise Refused(visible=False)
        return question

    async def _after(self, session: AsyncSession, item: LegalQuestion, now: datetime) -> None:
        await do_post_legal_card(session, self.config, item, now)
