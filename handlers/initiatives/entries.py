"""Menu entries: every resident sees groups and hearings; a coordinator also their group's desk."""

from handlers.i18n import N_
from handlers.initiatives.groups import coordinated_groups
from handlers.turn import Turn

# A label the core's catalog already translates (a text lives in one domain), used by reference.
MAIN_MENU_LABEL = "◀ Main menu"
BACK_LABEL = N_("◀ All groups")
HEARINGS_LABEL = N_("◀ All hearings")

RESIDENT_ENTRIES = [
    ("groups", N_("👥 Initiative groups"), ("groups", "list")),
    ("hearings", N_("🏛 Public hearings"), ("hearings", "list")),
]
COORDINATOR_ENTRIES = [("coordinator", N_("🧭 My initiative group"), ("coordinator", "main"))]
ALL_ENTRIES = RESIDENT_ENTRIES + COORDINATOR_ENTRIES


async def initiative_menu_entries(turn: Turn) -> list[tuple]:
    """The entries this person sees in the main menu."""
    if await coordinated_groups(turn.session, turn.person):
        return RESIDENT_ENTRIES + COORDINATOR_ENTRIES
    return RESIDENT_ENTRIES
