"""The askers' dialogs: the legal help hub, asking a question, one's questions, the answer base."""

from handlers.engine.flow import Flow, Step
from handlers.engine.prompts import confirm_cancel_step
from handlers.i18n import N_
from handlers.legal.flows import ask, base, mine
from handlers.legal.flows.hub import ask_hub, on_hub

HUB_FLOW = Flow(name="legal", first="hub", steps={"hub": Step(ask_hub, on_hub)})
ASK_FLOW = Flow(name="legal_ask", first="topic", times_out=True, steps={
    "topic": Step(ask.ask_topic, ask.on_topic),
    "text": Step(ask.ask_text, ask.on_text),
    "suggest": Step(ask.ask_suggest, ask.on_suggest),
    "confidential": Step(ask.ask_confidential, ask.on_confidential),
    "cancel": confirm_cancel_step(N_("Cancel this question? It will not be sent."),
                                  N_("Cancelled. The question was not sent.")),
})
MINE_FLOW = Flow(name="legal_mine", first="list", steps={
    "list": Step(mine.ask_list, mine.on_list),
    "detail": Step(mine.ask_detail, mine.on_detail),
    "reply": Step(mine.ask_reply, mine.on_reply),
})
BASE_FLOW = Flow(name="legal_base", first="topics", steps={
    "topics": Step(base.ask_topics, base.on_topics),
    "list": Step(base.ask_list, base.on_list),
    "show": Step(base.ask_show, base.on_show),
})
