"""Menu entries for announcements: staff entries only for those who may send."""

from handlers.broadcasts.audience import rights_from
from handlers.i18n import N_
from handlers.services.roles import grants_of
from handlers.turn import Turn

# Labels the core's catalog already translates (a text lives in one domain), used by reference.
MAIN_MENU_LABEL = "◀ Main menu"
CANCEL_LABEL = "✖ Cancel"

RESIDENT_ENTRIES = [("notices", N_("🔔 Announcements"), ("notices", "show"))]
STAFF_ENTRIES = [
    ("broadcast:new", N_("📢 Send an announcement"), ("broadcast", "scope")),
    ("broadcast:list", N_("🗂 My announcements"), ("broadcasts", "list")),
]


async def broadcast_menu_entries(turn: Turn) -> list[tuple]:
    """The entries this person sees: only those who may send see any (residents mute from a
    notice's own button, or with /notices)."""
    person = turn.person
    if person is None or rights_from(await grants_of(turn.session, person.id), person) is None:
        return []
    return STAFF_ENTRIES + RESIDENT_ENTRIES
