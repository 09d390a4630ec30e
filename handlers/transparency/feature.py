"""Transparency, as the engine and the service see it: the weekly digest (a menu entry to ask for it,
/weekly, and its Monday job), and the admin commands for Open311 clients and what a municipality
publishes. The public page and the Open311 API are mounted by ``public/``."""

from collections.abc import Sequence

from handlers.engine.feature import CommandSpec, Feature, JobContext, MenuEntry, ScheduledJob
from handlers.i18n import N_
from handlers.transparency import models  # noqa: F401  (its tables join the metadata with the feature)
from handlers.transparency.admin import ADMIN_COMMANDS
from handlers.transparency.digest import AT, LATEST
from handlers.transparency.flow import FLOW, MENU_LABEL
from handlers.transparency.private import PRIVATE_SUBMISSION
from handlers.transparency.weekly import WeeklyDigest


def jobs(context: JobContext) -> Sequence[ScheduledJob]:
    digest = WeeklyDigest(context.db, context.config, on_outbox=context.on_outbox)
    # Asked every morning, it sends on Monday only; the week is claimed in job_runs (never twice).
    return (ScheduledJob("weekly_digest", digest.send, daily_at=AT, grace=LATEST, catch_up=True),)


FEATURE = Feature(
    name="transparency",
    flows=(FLOW,),
    menu=(MenuEntry("weekly", MENU_LABEL, FLOW.ref()),),
    commands=(CommandSpec(FLOW.ref(), ("/weekly",), ("апталык сандар", "итоги недели")),),
    help=(N_("/weekly: the municipality's figures every Monday"),),
    jobs=jobs,
    admin=ADMIN_COMMANDS,
    # The requests' confirmation offers to send a request that is not published.
    provides=(PRIVATE_SUBMISSION,),
)
