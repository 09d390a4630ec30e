"""The lawyers' list of Kyrgyz/Russian legal equivalents (the ``legal_terms`` table, seeded from
handlers/legal/terms.csv): the pairs the LSG Union named meet, a question in one language finds an
answer written only in the other, a file of terms is checked before it is used, and a term a lawyer
adds or removes is used by the next search, without a restart."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from handlers.legal import search
from handlers.legal.search import AnswerIndex, IndexedAnswer, Strictness, build, ranked, search_answers
from handlers.legal.term_base import load_terms
from handlers.legal.terms import SEED_FILE, BadTerms, TermList, read_terms_csv
from storage.enums import AnswerStatus, Language, LegalTopic
from storage.models import LegalAnswer, LegalTerm
from tests.legal_world import NOW, build_world


def term_list() -> TermList:
    return TermList.from_csv(SEED_FILE)


def concepts(text: str, terms: TermList) -> set[str]:
    return {k for unit in terms.units(text) for k in unit.keys if k.startswith("c:")}


@pytest.mark.parametrize("russian, kyrgyz", [
    ("отпускные", "өргүү акысы"),
    ("глава АО", "айыл өкмөтүнүн башчысы"),
    ("ЧС", "өзгөчө кырдаал"),
    ("устав", "жергиликтүү коомчулуктун уставы"),
    ("земельный участок", "жер тилкеси"),
])
def test_the_unions_pairs_are_one_concept(russian, kyrgyz):
    terms = term_list()
    assert concepts(russian, terms) and concepts(russian, terms) == concepts(kyrgyz, terms)


def test_the_file_is_two_columns_and_every_concept_has_two_ways_to_say_it():
    rows = [line.split(",") for line in Path("handlers/legal/terms.csv").read_text().splitlines()[1:] if line]
    assert all(len(row) == 2 and row[0] and row[1] for row in rows)
    by_concept: dict[str, int] = {}
    for concept, _term in rows:
        by_concept[concept] = by_concept.get(concept, 0) + 1
    assert not [c for c, n in by_concept.items() if n < 2]


def test_a_question_in_one_language_finds_the_answer_written_in_the_other():
    answers = [IndexedAnswer(1, "a-ru", LegalTopic.LAND, Language.RU, "Как получить земельный участок под "
                             "строительство дома?", "Подайте заявление в айыл окмоту."),
               IndexedAnswer(2, "b-ru", LegalTopic.BUDGET, Language.RU, "Кто утверждает местный бюджет?",
                             "Айылный кенеш.")]
    built = build(answers, term_list())
    found = ranked(built, "Үй куруу үчүн жер тилкесин кантип алам?", strictness=Strictness.SUGGEST)
    assert [m.entry.name for m in found] == ["a"]


def test_an_edited_list_is_used(tmp_path):
    edited = tmp_path / "terms.csv"
    edited.write_text("concept,term\nwinter_fuel,отопление\nwinter_fuel,жылытуу\n", encoding="utf-8")
    terms = TermList.from_csv(edited)
    assert concepts("отопление школы", terms) == concepts("мектепти жылытуу", terms) == {"c:winter_fuel"}


@pytest.mark.parametrize("text, problem, line", [
    ("", "header", 1),
    ("term,concept\nvacation,отпуск\n", "header", 1),
    ("concept,term\nvacation,отпуск,лишнее\n", "columns", 2),
    ("concept,term\nvacation,отпуск\n,отпуск\n", "concept", 3),
    ("concept,term\nотпуск и пособие,отпуск\n", "concept", 2),
    ("concept,term\nvacation,  \n", "term", 2),
    ("concept,term\nvacation," + "ж" * 201 + "\n", "term", 2),
    ("concept,term\n\n", "empty", None),
])
def test_a_wrong_file_of_terms_is_refused_with_the_line(text, problem, line):
    with pytest.raises(BadTerms) as refused:
        read_terms_csv(text)
    assert (refused.value.problem, refused.value.line) == (problem, line)


def test_a_file_of_terms_is_read_tidied_once_per_pair():
    text = "\ufeffConcept,Term\n Vacation_Pay , отпускные  деньги\nvacation_pay,отпускные деньги\n\n"
    assert read_terms_csv(text) == [("vacation_pay", "отпускные деньги")]


async def test_the_seeded_table_is_the_seed_file(db):
    async with db.reader() as session:
        stored = await load_terms(session)
    for russian, kyrgyz in (("отпускные", "өргүү акысы"), ("ЧС", "өзгөчө кырдаал")):
        assert concepts(russian, stored) == concepts(russian, term_list()) == concepts(kyrgyz, stored)


RUSSIAN_QUESTION = "Когда выплачивают отпускные?"
SIMILAR = Strictness.SIMILAR
"""As a lawyer searches the base: any answer sharing a word or a concept (one answer alone in the base
is too little for the asker's stricter floor)."""


async def found_keys(db, index: AnswerIndex | None = None) -> list[str | None]:
    async with db.reader() as session:
        if index is None:
            return [hit.answer.key for hit in await search_answers(session, RUSSIAN_QUESTION, strictness=SIMILAR)]
        return [hit.answer.key for hit in await index.search(session, RUSSIAN_QUESTION, language=Language.RU,
                                                             strictness=SIMILAR)]


async def test_a_term_a_lawyer_adds_is_used_by_the_next_search_and_removing_it_undoes_that(db, monkeypatch):
    """Only a Kyrgyz answer about vacation pay in the base, and «отпускные» not in the list: a Russian
    question does not find it. A lawyer adds the term: the next search finds it, in this process (the desk
    marks its index stale) and in another (its version check sees the table changed). Removed: not found."""
    world = await build_world(db)
    async with db.transaction() as session:
        await session.execute(sa.update(LegalAnswer).values(status=AnswerStatus.WITHDRAWN))
        session.add(LegalAnswer(status=AnswerStatus.PUBLISHED, topic=LegalTopic.LABOUR, language=Language.KY,
                                key="pay-ky", question="Өргүү акысы качан төлөнөт?",
                                answer="Өргүү акысы өргүү башталганга чейин төлөнүшү керек.",
                                created_at=NOW, updated_at=NOW, published_at=NOW))
        await session.execute(sa.delete(LegalTerm).where(LegalTerm.term == "отпускные"))
    monkeypatch.setattr(search, "RECHECK_SECONDS", 0.0)  # the other process looks at every search
    other_process = AnswerIndex()
    assert await found_keys(db) == [] and await found_keys(db, other_process) == []

    added = await world.desk.add_term(world.lawyer, "vacation_pay", "отпускные")
    assert await found_keys(db) == ["pay-ky"] and await found_keys(db, other_process) == ["pay-ky"]

    await world.desk.remove_term(world.lawyer, added.id)
    assert await found_keys(db) == [] and await found_keys(db, other_process) == []
