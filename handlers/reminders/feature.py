"""The deadline watch and the morning digest, as the service sees them: two scheduled jobs.

Other features hand their own items with a deadline to the watch by providing a ``Watched``
(legal questions do); requests are watched from here.
"""

from collections.abc import Sequence
from datetime import time

from handlers.engine.feature import Feature, JobContext, ScheduledJob
from handlers.reminders.digest import DIGEST_LATEST
from handlers.reminders.service import Reminders
from handlers.reminders.watch import REQUESTS


def jobs(context: JobContext) -> Sequence[ScheduledJob]:
    reminders = Reminders(context.db, context.config, on_outbox=context.on_outbox)
    digest_at = context.config.digest_time
    return (
        ScheduledJob("watch_deadlines", reminders.watch_deadlines, every=context.config.watch_every, catch_up=True),
        # The digest knows its day (job_runs): catching up after a crash mid-run cannot send it twice.
        ScheduledJob("morning_digest", reminders.send_morning_digest, daily_at=time(digest_at.hour, digest_at.minute),
                     grace=DIGEST_LATEST, catch_up=True),
    )


FEATURE = Feature(name="reminders", jobs=jobs, provides=(REQUESTS,))
