"""«My announcements»: the scheduled ones (each can be cancelled), the one being sent (it can be
stopped) and the latest sent, with their counts; municipal staff see those of the whole
municipality."""

from handlers.broadcasts.audience import sender_rights
from handlers.broadcasts.notice import text_for
from handlers.broadcasts.orders import AlreadyFinished, broadcasts_for, do_cancel_broadcast, do_stop_broadcast
from handlers.broadcasts.progress import report_text, tally
from handlers.dates import moment
from handlers.engine.prompts import MAIN_MENU, explain_unexpected
from handlers.engine.turn import Turn
from handlers.errors import NotAllowed, NotFound
from handlers.i18n import N_, format_number, gettext
from handlers.services.requests import shorten
from storage.enums import BroadcastStatus, OutboxStatus
from storage.models import Broadcast

STATUS = {
    BroadcastStatus.SCHEDULED: N_("scheduled for {time}"),
    BroadcastStatus.SENDING: N_("being sent"),
    BroadcastStatus.DONE: N_("sent"),
    BroadcastStatus.CANCELLED: N_("cancelled"),
}
STOPPED = N_("stopped while sending")


def was_stopped(broadcast: Broadcast) -> bool:
    """Cancelled after it had started: stopped while it was being sent."""
    return broadcast.status == BroadcastStatus.CANCELLED and broadcast.started_at is not None


def status_label(broadcast: Broadcast, turn: Turn) -> str:
    if was_stopped(broadcast):
        return turn._(STOPPED)
    when = moment(broadcast.scheduled_at, turn.language, turn.config.timezone, turn.now)
    return gettext(turn.language, STATUS[broadcast.status], time=when)


def has_report(broadcast: Broadcast) -> bool:
    return (broadcast.status == BroadcastStatus.DONE or was_stopped(broadcast)) and broadcast.recipients > 0


async def ask_list(turn: Turn) -> None:
    rights = await sender_rights(turn.session, turn.person)
    menu = turn.option("menu", MAIN_MENU)
    found = await broadcasts_for(turn.session, rights, turn.resident)
    if not found:
        turn.ask(turn._("You have no announcements yet."), [menu])
        return
    lines, options = [turn._("Your announcements:")], []
    for broadcast in found:
        lines.append(f"#{broadcast.id} ({status_label(broadcast, turn)}): "
                     f"{shorten(text_for(broadcast, turn.language), 60)}")
        if broadcast.status == BroadcastStatus.SCHEDULED:
            options.append(turn.option(f"cancel:{broadcast.id}", "✖ Cancel #{id}", id=broadcast.id))
        elif broadcast.status == BroadcastStatus.SENDING:
            options.append(turn.option(f"stop:{broadcast.id}", "⏹ Stop #{id}", id=broadcast.id))
        elif has_report(broadcast):
            options.append(turn.option(f"report:{broadcast.id}", "📊 Report #{id}", id=broadcast.id))
    turn.ask("\n".join(lines), options + [menu])


async def on_list(turn: Turn) -> None:
    choice = turn.choice() or ""
    action, _sep, number = choice.partition(":")
    if choice == "menu":
        turn.go("menu", "main")
    elif action == "cancel" and number.isdigit():
        await _do_cancel(turn, int(number))
    elif action == "stop" and number.isdigit():
        await _do_stop(turn, int(number))
    elif action == "report" and number.isdigit():
        await _say_report(turn, int(number))
    else:
        explain_unexpected(turn)


async def _do_cancel(turn: Turn, broadcast_id: int) -> None:
    rights = await sender_rights(turn.session, turn.person)
    try:
        await do_cancel_broadcast(turn.session, rights=rights, person=turn.resident, identity=turn.identity,
                                  broadcast_id=broadcast_id, now=turn.now)
    except AlreadyFinished:
        turn.say(turn._("Announcement #{id} is already being sent or was sent; it cannot be cancelled.",
                        id=broadcast_id))
    except (NotFound, NotAllowed):
        turn.say(turn._("You cannot cancel announcement #{id}.", id=broadcast_id))
    else:
        turn.say(turn._("Announcement #{id} is cancelled; nobody received it.", id=broadcast_id))


async def _do_stop(turn: Turn, broadcast_id: int) -> None:
    rights = await sender_rights(turn.session, turn.person)
    try:
        stopped = await do_stop_broadcast(turn.session, rights=rights, person=turn.resident, identity=turn.identity,
                                          broadcast_id=broadcast_id, now=turn.now)
    except AlreadyFinished:
        turn.say(turn._("Announcement #{id} is not being sent now, so there is nothing to stop.", id=broadcast_id))
    except (NotFound, NotAllowed):
        turn.say(turn._("You cannot stop announcement #{id}.", id=broadcast_id))
    else:
        counts = await tally(turn.session, stopped.broadcast)
        reached = counts.count(OutboxStatus.SENT) + stopped.under_way
        turn.say(turn._("Announcement #{id} is stopped.\nWill not receive it: {stopped}\n"
                        "Already received it, or it was on its way: {reached}", id=broadcast_id,
                        stopped=format_number(stopped.stopped, turn.language),
                        reached=format_number(reached, turn.language)))


async def _say_report(turn: Turn, broadcast_id: int) -> None:
    broadcast = await turn.session.get(Broadcast, broadcast_id)
    rights = await sender_rights(turn.session, turn.person)
    if broadcast is None or broadcast not in await broadcasts_for(turn.session, rights, turn.resident, limit=50):
        turn.say(turn._("The report of announcement #{id} is not available to you.", id=broadcast_id))
        return
    turn.say(report_text(broadcast, await tally(turn.session, broadcast), turn.language))
