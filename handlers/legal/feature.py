"""Legal consultations, as the engine and the service see them."""

from handlers.engine.feature import CommandSpec, Feature, MenuEntry
from handlers.i18n import N_
from handlers.legal.deadlines import LEGAL_QUESTIONS
from handlers.legal.flows import ASK_FLOW, BASE_FLOW, HUB_FLOW, MINE_FLOW
from handlers.legal.flows.hub import MENU_LABEL

FEATURE = Feature(
    name="legal",
    flows=(HUB_FLOW, ASK_FLOW, MINE_FLOW, BASE_FLOW),
    menu=(MenuEntry("legal", MENU_LABEL, HUB_FLOW.ref()),),
    commands=(CommandSpec(HUB_FLOW.ref(), ("/legal", "/law")),),
    help=(N_("/legal: a legal question"),),
    # The deadline watch reminds the lawyer who took a question and tells the lawyers' chat.
    provides=(LEGAL_QUESTIONS,),
)
