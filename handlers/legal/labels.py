"""Texts other catalogs already translate (a text lives in one domain), used here by reference,
not marked, so the ``legal`` catalog does not repeat them."""

MAIN_MENU = "◀ Main menu"
CANCEL = "✖ Cancel"
YES_CANCEL = "Yes, cancel"
NO_CONTINUE = "No, continue"
TAKE = "🙋 Take"
ANSWER = "✍️ Answer"
TAKEN_BY = "Taken by: {name}"
STATUS = "Status: {status}"
ANSWER_DUE_BY = "Answer due by: {date}"
YOUR_ANSWER = "{when}: your answer: {text}"
