"""A group coordinator's desk in the bot: requests to join (approve / decline), and a notice
to the group's members, sent through the announcements' machinery."""

from handlers.broadcasts.audience import SenderRights
from handlers.broadcasts.notice import EmptyNotice, NoticeTooLong, check_notice_text
from handlers.broadcasts.orders import Order, do_order_broadcast
from handlers.engine.prompts import MAIN_MENU, explain_unexpected
from handlers.engine.turn import Turn
from handlers.envelope import InputKind, Option
from handlers.errors import NotAllowed, NotFound
from handlers.i18n import N_, pick
from handlers.initiatives import groups
from handlers.initiatives.notify import do_tell
from handlers.staff.audit import do_audit
from storage.db import get_referenced
from storage.enums import BroadcastKind, Language
from storage.models import InitiativeGroup, Person

APPROVED = N_("✅ Your request to join the initiative group «{group}» is approved. Welcome! You will receive "
              "the group's notices.")
DECLINED = N_("Your request to join the initiative group «{group}» was declined by its coordinator.")
BACK = N_("◀ Back to my group")


async def _mine(turn: Turn) -> list[InitiativeGroup]:
    """The groups the person coordinates; none: a polite refusal (logged) and the main menu."""
    mine = await groups.coordinated_groups(turn.session, turn.person)
    if not mine:
        do_audit(turn.session, via=turn.identity.address[:40], action="group.desk", now=turn.now, allowed=False,
                 municipality_id=turn.municipality_id, actor_person_id=turn.resident.id,
                 detail={"reason": "not a coordinator"})
        turn.say(turn._("Only the coordinator of an initiative group can do this."))
        turn.go("menu", "main")
    return mine


def _name(turn: Turn, group: InitiativeGroup) -> str:
    return pick(turn.language, group.name_ky, group.name_ru)


async def ask_main(turn: Turn) -> None:
    mine = await _mine(turn)
    if not mine:
        return
    waiting = await groups.pending_requests(turn.session, [g.id for g in mine])
    turn.ask(turn._("You coordinate: {groups}.", groups=", ".join(f"«{_name(turn, g)}»" for g in mine)),
             [turn.option("pending", "🙋 Requests to join ({n})", n=len(waiting)),
              turn.option("notice", "📣 A notice to the group"), turn.option("menu", MAIN_MENU)])


async def on_main(turn: Turn) -> None:
    choice = turn.choice()
    if choice == "pending":
        turn.go("coordinator", "pending")
    elif choice == "notice":
        turn.go("coordinator", "notice_group")
    elif choice == "menu":
        turn.go("menu", "main")
    else:
        explain_unexpected(turn)


async def ask_pending(turn: Turn) -> None:
    mine = await _mine(turn)
    if not mine:
        return
    waiting = await groups.pending_requests(turn.session, [g.id for g in mine])
    back = turn.option("back", BACK)
    if not waiting:
        turn.ask(turn._("No requests to join are waiting."), [back])
        return
    names = {g.id: _name(turn, g) for g in mine}
    lines, options = [turn._("Requests to join:")], []
    for row, person in waiting[:10]:
        who = person.display_name or f"#{person.id}"
        lines.append(f"• {who} → «{names[row.group_id]}»")
        options += [Option(f"a:{row.id}", f"✅ {who}", f"✅ {who}"), Option(f"d:{row.id}", f"✖ {who}", f"✖ {who}")]
    turn.ask("\n".join(lines + [turn._("✅ approves, ✖ declines.")]), options + [back])


async def on_pending(turn: Turn) -> None:
    choice = turn.choice() or ""
    action, _sep, number = choice.partition(":")
    if choice == "back":
        turn.go("coordinator", "main")
    elif action in ("a", "d") and number.isdigit():
        await do_decide(turn, int(number), approve=action == "a")
    else:
        explain_unexpected(turn)


async def do_decide(turn: Turn, membership_id: int, *, approve: bool) -> None:
    try:
        row, group = await groups.do_decide_membership(turn.session, coordinator=turn.resident,
                                                       membership_id=membership_id, approve=approve, now=turn.now,
                                                       via=turn.identity.address)
    except (NotAllowed, NotFound):
        turn.say(turn._("You can decide only on requests to join the groups you coordinate."))
        return
    except groups.AlreadyDecided:
        turn.say(turn._("This request was already decided or withdrawn."))
        return
    name = {Language.KY: group.name_ky, Language.RU: group.name_ru}
    member = await get_referenced(turn.session, Person, row.person_id)
    await do_tell(turn.session, row.person_id, APPROVED if approve else DECLINED, turn.now,
                  group=name[member.language])
    turn.say(turn._("Approved: a new member of «{group}».", group=_name(turn, group)) if approve
             else turn._("Declined."))


async def ask_notice_group(turn: Turn) -> None:
    mine = await _mine(turn)
    if not mine:
        return
    if len(mine) == 1:
        turn.go("coordinator", "notice_text", group=mine[0].id)
        return
    turn.ask(turn._("Which group is the notice for?"),
             [Option(f"g:{g.id}", g.name_ky, g.name_ru) for g in mine] + [turn.option("back", BACK)])


async def on_notice_group(turn: Turn) -> None:
    choice = turn.choice() or ""
    if choice.startswith("g:"):
        turn.go("coordinator", "notice_text", group=int(choice[2:]))
    elif choice == "back":
        turn.go("coordinator", "main")
    else:
        explain_unexpected(turn)


async def ask_notice_text(turn: Turn) -> None:
    turn.ask(turn._("Write the notice for the members of the group (it goes out in the language you write it in)."),
             [turn.option("back", BACK)])


async def on_notice_text(turn: Turn) -> None:
    if turn.choice() == "back":
        turn.go("coordinator", "main")
        return
    if turn.kind != InputKind.TEXT:
        explain_unexpected(turn)
        return
    try:
        text = check_notice_text(turn.text, with_photo=False)
    except (EmptyNotice, NoticeTooLong):
        turn.say(turn._("The notice is empty or too long for one message. Please write it again."))
        return
    mine = await _mine(turn)
    group_id = turn.data["group"]  # the step is entered with its group
    rights = SenderRights(turn.municipality_id, False, (), tuple(g.id for g in mine))
    ky, ru = (text, None) if turn.language == Language.KY else (None, text)
    try:
        broadcast = await do_order_broadcast(turn.session, rights=rights, author=turn.resident, identity=turn.identity,
                                             order=Order(BroadcastKind.ORDINARY, None, ky, ru, None, None,
                                                         group_ids=[group_id]), now=turn.now)
    except NotAllowed:
        turn.say(turn._("Only the coordinator of an initiative group can do this."))
        turn.go("menu", "main")
        return
    turn.say(turn._("The notice #{id} to the group is on its way. You will see the progress here.", id=broadcast.id))
    turn.go("menu", "main")
