"""The answer base for everybody: browse by topic, or write words to search. Published
answers only; demo entries say so."""

import sqlalchemy as sa

from handlers.engine.prompts import explain_unexpected, lacks_words
from handlers.engine.turn import Turn
from handlers.envelope import InputKind, Option
from handlers.legal import labels
from handlers.legal.questions import published_answer
from handlers.legal.search import Strictness, search_answers
from handlers.legal.topics import TOPIC_LABELS, topic_label
from handlers.services.requests import shorten
from storage.enums import AnswerStatus, LegalTopic
from storage.models import LegalAnswer

LISTED = 8


async def ask_topics(turn: Turn) -> None:
    turn.ask(turn._("The base of published answers. Choose a topic, or write a few words to search."),
             [turn.option(f"t:{topic.value}", label) for topic, label in TOPIC_LABELS.items()]
             + [turn.option("menu", labels.MAIN_MENU)])


async def on_topics(turn: Turn) -> None:
    choice = turn.choice()
    if choice == "menu":
        turn.go("menu", "main")
    elif choice is not None and choice.startswith("t:"):
        turn.go("legal_base", "list", topic=choice.removeprefix("t:"), query="")
    elif turn.kind == InputKind.TEXT and not lacks_words(turn.text) and not turn.number_out_of_range():
        turn.go("legal_base", "list", query=turn.text[:500], topic=None)
    else:
        explain_unexpected(turn)


async def _listed(turn: Turn) -> list[LegalAnswer]:
    if turn.data.get("query"):
        return [hit.answer for hit in await search_answers(turn.session, turn.data["query"], language=turn.language,
                                                           limit=LISTED, strictness=Strictness.BROWSE)]
    return list((await turn.session.scalars(sa.select(LegalAnswer).where(
        LegalAnswer.status == AnswerStatus.PUBLISHED, LegalAnswer.topic == LegalTopic(turn.data["topic"]),
        LegalAnswer.language == turn.language).order_by(LegalAnswer.helped.desc(), LegalAnswer.id)
        .limit(LISTED))).all())


async def ask_list(turn: Turn) -> None:
    found = await _listed(turn)
    back = [turn.option("back", "◀ Topics"), turn.option("menu", labels.MAIN_MENU)]
    if not found:
        turn.ask(turn._("Nothing found. Try other words, or ask a lawyer."), back)
        return
    heading = (turn._("Found:") if turn.data.get("query")
               else topic_label(LegalTopic(turn.data["topic"]), turn.language))
    lines = [heading] + [f"{n}. {shorten(a.question, 150)}" for n, a in enumerate(found, start=1)]
    options = [Option(f"a:{a.id}", shorten(a.question, 60), shorten(a.question, 60)) for a in found]
    turn.ask("\n".join(lines), options + back)


async def on_list(turn: Turn) -> None:
    choice = turn.choice()
    if choice == "back":
        turn.go("legal_base", "topics")
    elif choice == "menu":
        turn.go("menu", "main")
    elif choice is not None and choice.startswith("a:"):
        turn.update(answer_id=int(choice.removeprefix("a:")))
        turn.go("legal_base", "show")
    else:
        explain_unexpected(turn)


async def ask_show(turn: Turn) -> None:
    answer = await published_answer(turn.session, turn.data.get("answer_id", 0))
    back = [turn.option("back", "◀ Back to the list"), turn.option("menu", labels.MAIN_MENU)]
    if answer is None:
        turn.ask(turn._("This answer is not in the base any more."), back)
        return
    text = f"❓ {answer.question}\n\n⚖️ {answer.answer}"
    if answer.demo:
        text += "\n\n" + turn._("(Demo content: an example, not checked legal advice.)")
    turn.ask(text, back)


async def on_show(turn: Turn) -> None:
    choice = turn.choice()
    if choice == "back":
        turn.go("legal_base", "list")
    elif choice == "menu":
        turn.go("menu", "main")
    else:
        explain_unexpected(turn)
