"""Menu entries: every resident sees groups and hearings; a coordinator also their group's desk."""

from handlers.i18n import N_
from handlers.initiatives.groups import coordinated_groups
from handlers.services.roles import grants_of
from handlers.turn import Turn
from storage.enums import Role

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
    person = turn.person
    if person is None or all(grant.role != Role.COORDINATOR for grant in await grants_of(turn.session, person.id)):
        return RESIDENT_ENTRIES  # no role, so no group: the menu needs no look at the groups
    if await coordinated_groups(turn.session, person):
        return RESIDENT_ENTRIES + COORDINATOR_ENTRIES
    return RESIDENT_ENTRIES
