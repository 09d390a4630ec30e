"""The preview of an announcement (as residents will see it, and how many), then send now
or at a chosen time. Ordering is checked again in the service (rights, quarters, text)."""

import re
from datetime import datetime, timedelta

from handlers.broadcasts.audience import audience, sender_rights
from handlers.broadcasts.notice import notice_text, sender_name
from handlers.broadcasts.orders import Order, do_order_broadcast, in_quiet_hours, quiet_hours_end
from handlers.dates import at_moment
from handlers.engine.prompts import CANCEL as CANCEL_LABEL
from handlers.engine.prompts import explain_unexpected
from handlers.engine.turn import Turn
from handlers.envelope import InputKind
from handlers.errors import InvalidInput, NotAllowed
from handlers.i18n import format_number
from storage.db import get_referenced
from storage.enums import BroadcastKind, Channel, Language
from storage.models import Broadcast, Municipality

WHEN = re.compile(r"^\s*(?:(\d{1,2})\.(\d{1,2})(?:\.(\d{4}))?\s+)?(\d{1,2})[:.](\d{2})\s*$")


def _draft(turn: Turn) -> Broadcast:
    """The dialog's draft as an unsaved Broadcast (to render it like the real thing)."""
    return Broadcast(id=0, kind=BroadcastKind(turn.data.get("kind", "ordinary")), text_ky=turn.data.get("text_ky"),
                     text_ru=turn.data.get("text_ru"), photo=turn.data.get("photo"),
                     quarter_ids=turn.data.get("quarters"))


def _order(turn: Turn, at: datetime | None) -> Order:
    draft = _draft(turn)
    return Order(draft.kind, draft.quarter_ids, draft.text_ky, draft.text_ru, draft.photo, at)


async def ask_preview(turn: Turn) -> None:
    rights = await sender_rights(turn.session, turn.person)
    if rights is None:
        turn.go("broadcast", "scope")  # refused there
        return
    draft = _draft(turn)
    emergency = draft.kind == BroadcastKind.EMERGENCY
    found = await audience(turn.session, rights.municipality_id, draft.quarter_ids, emergency=emergency)
    municipality = await get_referenced(turn.session, Municipality, rights.municipality_id)
    languages = [Language.KY, Language.RU] if draft.text_ky and draft.text_ru else [turn.language]
    lines = [turn._("This is how residents will see it:"), ""]
    for language in languages:
        lines += [notice_text(draft, language, sender_name(municipality, language, None)), ""]
    lines.append(turn._("Recipients: {n} ({by_channel}).", n=format_number(len(found.recipients), turn.language),
                        by_channel=_counted_by_channel(turn, found.by_channel())))
    if found.muted:
        lines.append(turn._("{n} residents muted ordinary announcements.", n=found.muted))
    if found.unreachable:
        lines.append(turn._("{n} residents cannot be reached (they blocked the bot).", n=found.unreachable))
    if draft.photo:
        lines.append(turn._("The photo reaches residents who use this same bot; the others get the text."))
    quiet = turn.config.quiet_hours
    if not emergency and in_quiet_hours(turn.now, quiet, turn.config.timezone):
        lines.append(turn._("It is quiet hours now: it will be sent at {time}.",
                            time=at_moment(quiet_hours_end(turn.now, quiet, turn.config.timezone),
                                           turn.language, turn.config.timezone, turn.now)))
    if not found.recipients:
        turn.ask("\n".join(lines + [turn._("Nobody would receive this notice, so it cannot be sent.")]),
                 [turn.option("edit", "✏ Write it again"), turn.option("cancel", CANCEL_LABEL)])
        return
    turn.ask("\n".join(lines), [turn.option("now", "📤 Send now"), turn.option("later", "🕒 Send at a time…"),
                                turn.option("edit", "✏ Write it again"), turn.option("cancel", CANCEL_LABEL)])


def _counted_by_channel(turn: Turn, by_channel: dict[Channel, int]) -> str:
    """``Telegram: 3, WhatsApp: 2``: every channel staff count by, in the enum's order."""
    capabilities = turn.config.capabilities
    return ", ".join(f"{capabilities[channel].name}: {by_channel.get(channel, 0)}" for channel in Channel
                     if channel in capabilities and capabilities[channel].counted_for_staff)


async def on_preview(turn: Turn) -> None:
    choice = turn.choice()
    if choice == "now":
        await _do_order(turn, None)
    elif choice == "later":
        turn.go("broadcast", "when")
    elif choice == "edit":
        turn.go("broadcast", "languages")
    else:
        explain_unexpected(turn)


async def ask_when(turn: Turn) -> None:
    turn.ask(turn._("When should it be sent? Write the time as 18:30 (today) or 25.12 18:30 (Bishkek time)."),
             [turn.option("back", "◀ Back to the preview")])


def parse_when(text: str, now: datetime, turn: Turn) -> datetime | None:
    match = WHEN.match(text)
    if match is None:
        return None
    day, month, year = (int(g) if g else None for g in match.groups()[:3])
    hour, minute = int(match[4]), int(match[5])  # the pattern requires the time
    local_now = now.astimezone(turn.config.timezone)
    try:
        if day is None:
            moment = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
            if moment <= local_now:
                moment += timedelta(days=1)
        else:
            assert month is not None, "the pattern gives a month with every day"
            moment = local_now.replace(year=year or local_now.year, month=month, day=day, hour=hour, minute=minute,
                                       second=0, microsecond=0)
            if year is None and moment < local_now - timedelta(days=1):
                moment = moment.replace(year=moment.year + 1)
    except ValueError:
        return None
    return moment.astimezone(now.tzinfo)


async def on_when(turn: Turn) -> None:
    if turn.choice() == "back":
        turn.go("broadcast", "preview")
        return
    at = parse_when(turn.text, turn.now, turn) if turn.kind == InputKind.TEXT else None
    if at is None:
        turn.say(turn._("I did not understand the time. Please write it as 18:30 or 25.12 18:30."))
    elif at <= turn.now:
        turn.say(turn._("That time has already passed. Please choose a time in the future."))
    else:
        await _do_order(turn, at)


async def _do_order(turn: Turn, at: datetime | None) -> None:
    rights = await sender_rights(turn.session, turn.person)
    try:
        broadcast = await do_order_broadcast(turn.session, rights=rights, author=turn.resident, identity=turn.identity,
                                             order=_order(turn, at), now=turn.now)
    except NotAllowed:
        turn.say(turn._("You cannot send announcements to these quarters. A kvartalkom head writes only "
                        "to their own quarters."))
        turn.go("menu", "main")
        return
    except InvalidInput:
        turn.say(turn._("The time must be in the future, within two months."))
        return
    if at is None:
        turn.say(turn._("Announcement #{id} is on its way. You will see the progress here.", id=broadcast.id))
    else:
        turn.say(turn._("Announcement #{id} will be sent on {time}. You can cancel it in «My announcements».",
                        id=broadcast.id, time=at_moment(at, turn.language, turn.config.timezone, turn.now)))
    turn.go("menu", "main")
