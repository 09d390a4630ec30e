"""How well the search answers the labelled set (tests/legal_labelled.py) against the demo base,
as an asker sees it: through ``search_answers`` with the asker's language, the way the asking
dialog calls it (no topic: the hardest case, as if «Other» was chosen). Used by the bench and by
tests/test_legal_search_quality.py."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.legal.search import SUGGESTED_LIMIT, search_answers
from storage.enums import Language
from tests.legal_labelled import LABELLED

TARGETS = {"precision": 0.9, "recall_at_3": 0.9, "no_answer_silent": 0.9, "language_first": 1.0}


@dataclass
class Figures:
    shown: int = 0
    shown_right: int = 0
    answerable: int = 0
    found: int = 0
    unanswerable: int = 0
    silent: int = 0
    own_language: int = 0
    problems: list[str] = field(default_factory=list)

    def rates(self) -> dict[str, float]:
        return {"precision": self.shown_right / self.shown if self.shown else 1.0,
                "recall_at_3": self.found / self.answerable if self.answerable else 1.0,
                "no_answer_silent": self.silent / self.unanswerable if self.unanswerable else 1.0,
                "language_first": self.own_language / self.shown if self.shown else 1.0}


def demo_key(key: str | None) -> str:
    """«demo-land-plot-ky» → «land-plot»."""
    return (key or "").removeprefix("demo-")[:-3]


async def evaluate(session: AsyncSession) -> dict[str, Figures]:
    figures = {"ky": Figures(), "ru": Figures()}
    for language, question, keys in LABELLED:
        hits = await search_answers(session, question, language=Language(language), limit=SUGGESTED_LIMIT)
        got = [demo_key(hit.answer.key) for hit in hits]
        f = figures[language]
        f.shown += len(hits)
        f.shown_right += sum(key in keys for key in got)
        f.own_language += sum(hit.answer.language == language for hit in hits)
        if keys:
            f.answerable += 1
            f.found += any(key in keys for key in got)
        else:
            f.unanswerable += 1
            f.silent += not hits
        if set(got) - set(keys) or (keys and not set(got) & set(keys)):
            f.problems.append(f"{question!r}: wants {list(keys) or 'nothing'}, shown {got}")
    return figures
