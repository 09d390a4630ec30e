"""The announcement dialogs: compose (staff, kvartalkom heads), the list of one's
announcements with cancelling, and a resident's notice settings."""

from handlers.broadcasts.flows import compose, confirm, listing
from handlers.engine.flow import Flow, Step

COMPOSE_FLOW = Flow(name="broadcast", first="scope", steps={
    "scope": Step(compose.ask_scope, compose.on_scope),
    "quarters": Step(compose.ask_quarters, compose.on_quarters),
    "kind": Step(compose.ask_kind, compose.on_kind),
    "languages": Step(compose.ask_languages, compose.on_languages),
    "text": Step(compose.ask_text, compose.on_text),
    "text_ky": Step(compose.ask_text_ky, compose.on_text_ky),
    "text_ru": Step(compose.ask_text_ru, compose.on_text_ru),
    "preview": Step(confirm.ask_preview, confirm.on_preview),
    "when": Step(confirm.ask_when, confirm.on_when),
})
LIST_FLOW = Flow(name="broadcasts", first="list", steps={"list": Step(listing.ask_list, listing.on_list)})
