"""Announcements, as the engine and the service see them."""

from collections.abc import Sequence
from datetime import timedelta

from handlers.broadcasts.answers import answer_to_notice
from handlers.broadcasts.audience import rights_from
from handlers.broadcasts.flows import COMPOSE_FLOW, LIST_FLOW, notices
from handlers.broadcasts.runner import BroadcastRunner
from handlers.engine.feature import Aside, CommandSpec, Feature, JobContext, MenuEntry, ScheduledJob
from handlers.engine.turn import Turn
from handlers.i18n import N_
from handlers.services.roles import grants_of

TICK_EVERY_SECONDS = 2


async def may_send(turn: Turn) -> bool:
    """Only those who may send see the announcement entries (residents mute from a notice's own
    button, or with /notices)."""
    person = turn.person
    return person is not None and rights_from(await grants_of(turn.session, person.id), person) is not None


def jobs(context: JobContext) -> Sequence[ScheduledJob]:
    runner = BroadcastRunner(context.db, context.config, on_outbox=context.on_outbox)
    # Starts due announcements (each once, in its own transaction) and edits their progress in place.
    return (ScheduledJob("broadcasts", runner.tick, every=timedelta(seconds=TICK_EVERY_SECONDS), catch_up=True),)


FEATURE = Feature(
    name="broadcasts",
    flows=(COMPOSE_FLOW, LIST_FLOW, notices.FLOW),
    menu=(MenuEntry("broadcast:new", N_("📢 Send an announcement"), COMPOSE_FLOW.ref(), may_send),
          MenuEntry("broadcast:list", N_("🗂 My announcements"), LIST_FLOW.ref(), may_send),
          MenuEntry("notices", N_("🔔 Announcements"), notices.FLOW.ref(), may_send)),
    commands=(CommandSpec(COMPOSE_FLOW.ref(), ("/broadcast", "/announce")),
              CommandSpec(LIST_FLOW.ref(), ("/broadcasts",)),
              CommandSpec(notices.FLOW.ref(), ("/notices",))),
    help=(N_("/notices: announcements on again"),),
    jobs=jobs,
    # "I saw it" / "I will come" under a notice, "+" on a channel without buttons, muting.
    provides=(Aside(answer_to_notice),),
)
