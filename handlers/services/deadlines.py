"""When the law requires an answer to an appeal.

Law No. 67 of 4 May 2007 "On the procedure for considering citizens' appeals" sets 14
calendar days; a 2026 amendment sets 10 working days. The rule is configuration:
``calendar:14`` or ``working:10``. Working days skip Saturdays, Sundays and the
public holidays of the calendar kept in the database.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from handlers.errors import ConfigurationError


class DayCount(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"


@dataclass(frozen=True)
class DeadlineRule:
    count: DayCount
    days: int

    @classmethod
    def calendar(cls, days: int) -> "DeadlineRule":
        return cls(DayCount.CALENDAR, days)

    @classmethod
    def working(cls, days: int) -> "DeadlineRule":
        return cls(DayCount.WORKING, days)

    @classmethod
    def parse(cls, text: str) -> "DeadlineRule":
        """``"calendar:14"`` or ``"working:10"``."""
        kind, _, days = text.strip().partition(":")
        try:
            rule = cls(DayCount(kind.strip().lower()), int(days))
        except ValueError as error:
            raise ConfigurationError(
                f"deadline rule must look like 'calendar:14' or 'working:10', not {text!r}") from error
        if rule.days < 1:
            raise ConfigurationError("a deadline needs at least one day")
        return rule

    def __str__(self) -> str:
        return f"{self.count.value}:{self.days}"


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def due_date(received_on: date, rule: DeadlineRule, holidays: Collection[date] = ()) -> date:
    """The last day of the term for an appeal registered on ``received_on`` (local date).

    The term starts the day after registration. A calendar term that ends on a day off
    moves to the next working day, as terms do in Kyrgyz procedure.
    """
    if rule.count is DayCount.CALENDAR:
        day = received_on + timedelta(days=rule.days)
        while not is_working_day(day, holidays):
            day += timedelta(days=1)
        return day
    day, counted = received_on, 0
    while counted < rule.days:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            counted += 1
    return day


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The first moment after ``day`` in ``tz``: a request is overdue from then on."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
