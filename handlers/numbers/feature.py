"""Useful numbers, as the engine and the service see them."""

from handlers.engine.feature import CommandSpec, Feature, MenuEntry
from handlers.i18n import N_
from handlers.numbers.admin import ADMIN_COMMAND
from handlers.numbers.flow import FLOW, MENU_LABEL

FEATURE = Feature(
    name="numbers",
    flows=(FLOW,),
    menu=(MenuEntry("numbers", MENU_LABEL, FLOW.ref()),),
    commands=(CommandSpec(FLOW.ref(), ("/numbers", "/phones"),
                          ("номерлер", "пайдалуу номерлер", "телефондор", "номера", "полезные номера", "телефоны")),),
    help=(N_("/numbers: emergency and service phone numbers"),),
    admin=(ADMIN_COMMAND,),
)
