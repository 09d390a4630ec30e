"""The day-before reminder to residents registered for a hearing (a scheduler job).

Each registration is reminded once (claimed in ``job_runs`` in the same unit of work as
its message), so a restart or two overlapping schedulers never remind twice; a resident
who registers less than a day ahead is reminded at the next run. Quiet hours are kept.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.broadcasts.orders import in_quiet_hours
from handlers.config import CoreConfig
from handlers.dates import at_time
from handlers.i18n import N_
from handlers.initiatives.notify import do_tell
from handlers.reminders.runs import do_claim_run
from storage.db import Database, get_referenced
from storage.enums import HearingStatus
from storage.models import Hearing, HearingRegistration, JobRun, Person
from storage.types import utcnow

log = logging.getLogger(__name__)
JOB = "hearing_reminder"
AHEAD = timedelta(days=1)
REMINDER = N_("⏰ Reminder: tomorrow {time}, the public hearing «{title}» takes place at {place}. "
              "Your proposals are welcome; you can also send them here.")
REMINDER_TODAY = N_("⏰ Reminder: today {time}, the public hearing «{title}» takes place at {place}. "
                    "Your proposals are welcome; you can also send them here.")


async def do_remind_registered(session: AsyncSession, now: datetime, config: CoreConfig, *, limit: int = 200) -> int:
    """Reminds up to ``limit`` registrations of hearings starting within a day; returns how many."""
    if in_quiet_hours(now, config.quiet_hours, config.timezone):
        return 0
    key = (sa.cast(HearingRegistration.hearing_id, sa.String) + ":"
           + sa.cast(HearingRegistration.person_id, sa.String))
    reminded = sa.exists().where(JobRun.job == JOB, JobRun.run_key == key)
    rows = (await session.execute(
        sa.select(HearingRegistration, Hearing).join(Hearing, Hearing.id == HearingRegistration.hearing_id)
        .where(Hearing.status == HearingStatus.ANNOUNCED, Hearing.starts_at > now, Hearing.starts_at <= now + AHEAD,
               ~reminded).order_by(HearingRegistration.id).limit(limit))).all()
    count = 0
    for registration, hearing in rows:
        if not await do_claim_run(session, JOB, f"{hearing.id}:{registration.person_id}", now):
            continue
        person = await get_referenced(session, Person, registration.person_id)
        same_day = hearing.starts_at.astimezone(config.timezone).date() == now.astimezone(config.timezone).date()
        count += await do_tell(session, person.id, REMINDER_TODAY if same_day else REMINDER, now,
                               title=hearing.title, place=hearing.place,
                               time=at_time(hearing.starts_at, person.language, config.timezone))
    return count


class HearingReminders:
    """What the scheduler calls: one unit of work per batch."""

    def __init__(self, db: Database, config: CoreConfig, *, clock: Callable[[], datetime] = utcnow,
                 on_outbox: Callable[[], None] = lambda: None) -> None:
        self.db, self.config, self.clock, self.on_outbox = db, config, clock, on_outbox

    async def remind(self) -> int:
        total = 0
        while True:
            async with self.db.transaction() as session:
                count = await do_remind_registered(session, self.clock(), self.config)
            total += count
            if count < 200:
                break
        if total:
            log.info("hearing reminders: %s", total)
            self.on_outbox()
        return total
