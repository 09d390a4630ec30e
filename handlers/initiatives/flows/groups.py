"""A resident browses the initiative groups, asks to join (the first time: gender and age
group, optional, with the reason), or leaves."""

from handlers.engine.dialog import do_prompt_resident
from handlers.engine.prompts import MAIN_MENU, explain_unexpected, page_of, turned_page
from handlers.engine.turn import Turn
from handlers.envelope import Option
from handlers.errors import NotFound
from handlers.i18n import N_, gettext, pick
from handlers.initiatives import groups
from handlers.initiatives.labels import BACK_LABEL
from handlers.initiatives.profile import do_save_profile, profile_asked
from storage.enums import AgeGroup, Gender, MembershipStatus
from storage.models import Person

SKIP = "skip"
GENDER_LABELS = {Gender.FEMALE: N_("👩 Woman"), Gender.MALE: N_("👨 Man")}
JOIN_REQUEST = N_("👥 {name} asks to join the group «{group}».")
DECIDE_LATER = N_("Open «🧭 My initiative group» in the menu to decide.")


async def ask_list(turn: Turn) -> None:
    cards = await groups.group_cards(turn.session, turn.municipality_id)
    menu = turn.option("menu", MAIN_MENU)
    if not cards:
        turn.ask(turn._("There are no initiative groups in your municipality yet."), [menu])
        return
    options = [Option(f"g:{c.group.id}", f"{c.group.name_ky} ({c.members})", f"{c.group.name_ru} ({c.members})")
               for c in cards]
    turn.ask(turn._("Initiative groups of your municipality take part in public hearings on the budget and the "
                    "development programme. Choose a group to read about it (the number of members in brackets):"),
             page_of(options, turn.data.get("page", 0), turn.config.page_size, turn) + [menu])


async def on_list(turn: Turn) -> None:
    choice = turn.choice() or ""
    if turned_page(turn, choice):
        return
    if choice == "menu":
        turn.go("menu", "main")
    elif choice.startswith("g:"):
        turn.go("groups", "group", group=int(choice[2:]))
    else:
        explain_unexpected(turn)


async def ask_group(turn: Turn) -> None:
    cards = {c.group.id: c for c in await groups.group_cards(turn.session, turn.municipality_id)}
    card = cards.get(turn.data.get("group", 0))
    if card is None:
        turn.go("groups", "list")
        return
    row = await groups.membership(turn.session, card.group.id, turn.resident.id)
    status = row.status if row is not None else None
    lines = [f"«{pick(turn.language, card.group.name_ky, card.group.name_ru)}»",
             pick(turn.language, card.group.purpose_ky, card.group.purpose_ru),
             turn._("Coordinator: {name}", name=card.coordinator or "—"),
             turn._("Members: {count}", count=card.members)]
    if status == MembershipStatus.MEMBER:
        lines.append(turn._("You are a member of this group."))
    elif status == MembershipStatus.PENDING:
        lines.append(turn._("Your request to join is waiting for the coordinator."))
    action = (turn.option("leave", "🚪 Leave the group") if status in groups.ACTIVE
              else turn.option("join", "🙋 Join the group"))
    turn.ask("\n".join(line for line in lines if line),
             [action, turn.option("back", BACK_LABEL), turn.option("menu", MAIN_MENU)])


async def on_group(turn: Turn) -> None:
    choice = turn.choice()
    group_id = turn.data["group"]  # asked only about a group found (ask_group)
    if choice == "join":
        if await profile_asked(turn.session, turn.resident.id):
            await _do_join(turn, group_id)
        else:
            turn.go("groups", "gender", group=group_id)
    elif choice == "leave":
        await _do_leave(turn, group_id)
    elif choice == "back":
        turn.go("groups", "list")
    elif choice == "menu":
        turn.go("menu", "main")
    else:
        explain_unexpected(turn)


async def _do_leave(turn: Turn, group_id: int) -> None:
    try:
        await groups.do_leave(turn.session, turn.resident, group_id, turn.now)
    except groups.NotAMember:
        turn.say(turn._("You are not a member of this group, so there is nothing to leave."))
    except NotFound:
        turn.go("groups", "list")
        return
    else:
        turn.say(turn._("You have left the group. You will not receive its notices any more."))
    turn.go("groups", "list")


async def _do_join(turn: Turn, group_id: int) -> None:
    try:
        row = await groups.do_request_join(turn.session, turn.resident, group_id, turn.now)
    except groups.AlreadyMember:
        turn.say(turn._("You are already a member of this group."))
    except groups.AlreadyAsked:
        turn.say(turn._("You have already asked to join this group; the coordinator will decide soon."))
    except NotFound:
        turn.say(turn._("This group is not available."))
    else:
        turn.say(turn._("Your request to join is sent to the group's coordinator. We will tell you their decision."))
        await _do_tell_coordinator(turn, group_id, row.id)
    turn.go("groups", "list")


async def _do_tell_coordinator(turn: Turn, group_id: int, membership_id: int) -> None:

    group = await groups.group_in(turn.session, turn.municipality_id, group_id)
    coordinator = await turn.session.get(Person, group.coordinator_person_id) if group.coordinator_person_id else None
    if coordinator is None or coordinator.id == turn.resident.id:
        return
    language = coordinator.language
    text = gettext(language, JOIN_REQUEST, name=turn.resident.display_name or f"#{turn.resident.id}",
                   group=pick(language, group.name_ky, group.name_ru))
    await do_prompt_resident(turn.session, turn.config, coordinator.id, text, "coordinator", "pending", turn.now,
                             busy_hint=DECIDE_LATER)


async def ask_gender(turn: Turn) -> None:
    turn.ask(turn._("Two optional questions before you join. The answers are used only for participation "
                    "statistics (for example, how many women take part in hearings); they are never shown "
                    "to anyone by name. You can skip them.\n\nYou are:"),
             [turn.option(g.value, label) for g, label in GENDER_LABELS.items()]
             + [turn.option(SKIP, "⏭ Skip")])


async def on_gender(turn: Turn) -> None:
    choice = turn.choice()
    if choice in (*Gender, SKIP):
        turn.go("groups", "age", gender=None if choice == SKIP else choice)
    else:
        explain_unexpected(turn)


async def ask_age(turn: Turn) -> None:
    turn.ask(turn._("Your age group (optional):"),
             [Option(a.value, a.value, a.value) for a in AgeGroup] + [turn.option(SKIP, "⏭ Skip")])


async def on_age(turn: Turn) -> None:
    choice = turn.choice()
    if choice is None or choice not in (*AgeGroup, SKIP):
        explain_unexpected(turn)
        return
    gender = turn.data.get("gender")
    await do_save_profile(turn.session, turn.resident.id, Gender(gender) if gender else None,
                          None if choice == SKIP else AgeGroup(choice), turn.now)
    await _do_join(turn, turn.data["group"])
