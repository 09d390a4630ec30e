"""Texts other catalogs already translate (a text lives in one domain), used here by reference,
not marked, so the ``legal`` catalog does not repeat them."""

from handlers.engine.prompts import CANCEL, MAIN_MENU  # noqa: F401  (the common labels, by their legal names)

TAKE = "🙋 Take"
ANSWER = "✍️ Answer"
TAKEN_BY = "Taken by: {name}"
STATUS = "Status: {status}"
ANSWER_DUE_BY = "Answer due by: {date}"
YOUR_ANSWER = "{when}: your answer: {text}"
