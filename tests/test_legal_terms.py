"""The lawyers' list of Kyrgyz/Russian legal equivalents (handlers/legal/terms.csv): the pairs the
LSG Union named meet, and a question in one language finds an answer written only in the other."""

from pathlib import Path

import pytest

from handlers.legal.search import IndexedAnswer, Strictness, build, ranked
from handlers.legal.terms import TermList, term_list
from storage.enums import Language, LegalTopic


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
    terms = term_list(edited)
    assert concepts("отопление школы", terms) == concepts("мектепти жылытуу", terms) == {"c:winter_fuel"}
