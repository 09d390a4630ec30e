"""Initiative groups and public hearings, as the engine and the service see them."""

from collections.abc import Sequence

from handlers.broadcasts.answers import NoticeAnswer
from handlers.engine.feature import CommandSpec, Feature, JobContext, MenuEntry, ScheduledJob
from handlers.engine.turn import Turn
from handlers.i18n import N_
from handlers.initiatives.flows import COORDINATOR_FLOW, GROUPS_FLOW, HEARINGS_FLOW
from handlers.initiatives.groups import coordinated_groups
from handlers.initiatives.registrations import do_register_from_notice
from handlers.initiatives.reminders import HearingReminders
from handlers.initiatives.report import hearings_with_figures
from handlers.services.roles import grants_of
from handlers.transparency.figures import PublicHearings
from storage.enums import BroadcastKind, Role


async def coordinates_a_group(turn: Turn) -> bool:
    """A coordinator of a group also sees the group's desk."""
    person = turn.person
    if person is None or all(grant.role != Role.COORDINATOR for grant in await grants_of(turn.session, person.id)):
        return False  # no role, so no group: the menu needs no look at the groups
    return bool(await coordinated_groups(turn.session, person))


def jobs(context: JobContext) -> Sequence[ScheduledJob]:
    reminders = HearingReminders(context.db, context.config, on_outbox=context.on_outbox)
    # The day-before reminder of a public hearing, once per registration (job_runs).
    return (ScheduledJob("hearing_reminders", reminders.remind, every=context.config.watch_every, catch_up=True),)


FEATURE = Feature(
    name="initiatives",
    flows=(GROUPS_FLOW, HEARINGS_FLOW, COORDINATOR_FLOW),
    menu=(MenuEntry("groups", N_("👥 Initiative groups"), GROUPS_FLOW.ref()),
          MenuEntry("hearings", N_("🏛 Public hearings"), HEARINGS_FLOW.ref()),
          MenuEntry("coordinator", N_("🧭 My initiative group"), COORDINATOR_FLOW.ref(), coordinates_a_group)),
    commands=(CommandSpec(GROUPS_FLOW.ref(), ("/groups",)), CommandSpec(HEARINGS_FLOW.ref(), ("/hearings",))),
    help=(N_("/groups: initiative groups"), N_("/hearings: public hearings")),
    jobs=jobs,
    # "I will come" under a public hearing's notice registers the resident; the public page shows the hearings.
    provides=(NoticeAnswer(BroadcastKind.HEARING, do_register_from_notice), PublicHearings(hearings_with_figures)),
)
