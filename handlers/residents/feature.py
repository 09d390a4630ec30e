"""The residents feature, as the engine and the service see it."""

from handlers.engine.feature import CommandSpec, Feature, MenuEntry
from handlers.i18n import N_
from handlers.residents import language, my_data, onboarding

FEATURE = Feature(
    name="residents",
    flows=(onboarding.FLOW, language.FLOW, my_data.FLOW),
    menu=(MenuEntry("language", N_("🌐 Language"), language.FLOW.ref()),),
    commands=(CommandSpec(language.FLOW.ref(), ("/language", "/lang", "/til"), ("тил", "язык")),
              CommandSpec(my_data.FLOW.ref(), ("/mydata",))),
    help=(N_("/language: change the language"), N_("/mydata: the data we keep about you")),
)

