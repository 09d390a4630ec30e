"""The demo answer base, by topic: ``(key, topic, question ky, answer ky, question ru, answer ru)``.

DEMO CONTENT: general orientation written for the demo, not checked legal advice; laws are named
only where the reference is certain, never by article number. The Union's lawyers replace these
entries with their own (``main.py legal import``)."""

from handlers.legal.demo_answers import (
    council,
    emergencies,
    head_and_property,
    labour,
    land_and_budget,
    utilities_and_social,
)
from storage.enums import LegalTopic

DemoAnswer = tuple[str, LegalTopic, str, str, str, str]

DEMO_ANSWERS: list[DemoAnswer] = [
    *emergencies.ANSWERS, *labour.ANSWERS, *head_and_property.ANSWERS, *land_and_budget.ANSWERS,
    *council.ANSWERS, *utilities_and_social.ANSWERS,
]
