"""Submitting for a neighbour, as the engine and the service see it."""

from handlers.engine.feature import CommandSpec, Feature, MenuEntry
from handlers.i18n import N_
from handlers.neighbours.flow import FLOW, heads_a_quarter

FEATURE = Feature(
    name="neighbours",
    flows=(FLOW,),
    menu=(MenuEntry("neighbour:new", N_("🤝 Request for a neighbour"), FLOW.ref(), shown_to=heads_a_quarter),),
    commands=(CommandSpec(FLOW.ref(), ("/for_neighbour",), ("кошуна үчүн", "за соседа")),),
    help=(N_("/for_neighbour: a request for a neighbour without a smartphone (kvartalkom heads)"),),
)
