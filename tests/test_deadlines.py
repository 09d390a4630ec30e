"""Legal deadlines (Law No. 67): calendar and working days, weekends, Kyrgyz holidays, configuration."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from handlers.config import BISHKEK
from handlers.conversation import ConversationCore
from handlers.errors import ConfigurationError
from handlers.services.deadlines import DayCount, DeadlineRule, due_date, end_of_day, is_working_day
from handlers.services.requests import holidays_between
from storage.models import Request
from tests.core_config import core_config
from tests.harness import Chat, onboard

D = date.fromisoformat
NOVEMBER_HOLIDAYS = {D("2026-11-07"), D("2026-11-08")}  # Day of History and Memory of Ancestors (Sat, Sun)
NEW_YEAR_HOLIDAYS = {D("2027-01-01"), D("2027-01-07")}  # New Year (Fri), Orthodox Christmas (Thu)


@pytest.mark.parametrize("received, rule, holidays, expected", [
    # Friday 6 November 2026; 7–8 November are holidays falling on the weekend.
    ("2026-11-06", DeadlineRule.calendar(14), NOVEMBER_HOLIDAYS, "2026-11-20"),
    ("2026-11-06", DeadlineRule.working(10), NOVEMBER_HOLIDAYS, "2026-11-20"),
    # A holiday moved to Monday 9 November pushes the working term by one day; the calendar term does not move.
    ("2026-11-06", DeadlineRule.working(10), NOVEMBER_HOLIDAYS | {D("2026-11-09")}, "2026-11-23"),
    ("2026-11-06", DeadlineRule.calendar(14), NOVEMBER_HOLIDAYS | {D("2026-11-09")}, "2026-11-20"),
    # A calendar term ending on a Saturday moves to Monday.
    ("2026-11-21", DeadlineRule.calendar(14), (), "2026-12-07"),
    ("2026-11-21", DeadlineRule.calendar(14), NOVEMBER_HOLIDAYS, "2026-12-07"),
    # ... ending on a Sunday also moves to Monday.
    ("2026-11-22", DeadlineRule.calendar(13), (), "2026-12-07"),
    # ... ending on New Year's Day (a Friday) moves over the weekend to Monday 4 January.
    ("2026-12-18", DeadlineRule.calendar(14), NEW_YEAR_HOLIDAYS, "2027-01-04"),
    ("2026-12-18", DeadlineRule.calendar(14), (), "2027-01-01"),
    # Working days skip New Year's Day and Christmas: 28–31 Dec, 4–6, 8, 11–12 Jan.
    ("2026-12-25", DeadlineRule.working(10), NEW_YEAR_HOLIDAYS, "2027-01-12"),
    ("2026-12-25", DeadlineRule.working(10), (), "2027-01-08"),
    ("2026-12-25", DeadlineRule.calendar(14), NEW_YEAR_HOLIDAYS, "2027-01-08"),
    # The term starts the day after registration: a request on Saturday counts from Monday.
    ("2026-11-21", DeadlineRule.working(1), (), "2026-11-23"),
    ("2026-11-20", DeadlineRule.working(1), (), "2026-11-23"),
    ("2026-11-23", DeadlineRule.working(1), (), "2026-11-24"),
    ("2026-11-23", DeadlineRule.calendar(1), (), "2026-11-24"),
])
def test_due_date(received, rule, holidays, expected):
    assert due_date(D(received), rule, holidays) == D(expected)


def test_working_day():
    assert is_working_day(D("2026-11-06"), NOVEMBER_HOLIDAYS)  # Friday
    assert not is_working_day(D("2026-11-07"), ())  # Saturday
    assert not is_working_day(D("2026-11-08"), ())  # Sunday
    assert not is_working_day(D("2027-01-07"), NEW_YEAR_HOLIDAYS)  # a Thursday, but Christmas


def test_end_of_day_is_midnight_in_bishkek():
    moment = end_of_day(D("2026-11-20"), BISHKEK)
    assert moment == datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # 00:00 on 21 November, UTC+6


@pytest.mark.parametrize("text, expected", [
    ("calendar:14", DeadlineRule(DayCount.CALENDAR, 14)),
    ("working:10", DeadlineRule(DayCount.WORKING, 10)),
    ("  Working : 10 ", DeadlineRule(DayCount.WORKING, 10)),
    ("CALENDAR:30", DeadlineRule(DayCount.CALENDAR, 30)),
])
def test_rule_parse(text, expected):
    rule = DeadlineRule.parse(text)
    assert rule == expected
    assert DeadlineRule.parse(str(rule)) == rule


@pytest.mark.parametrize("text", [
    "", "calendar", "calendar:", "14", "weekly:2", "calendar:abc", "working:1.5", "calendar:14:1",
    "calendar:0", "working:-3", "days:14",
])
def test_rule_parse_refuses(text):
    with pytest.raises(ConfigurationError):
        DeadlineRule.parse(text)


@pytest.mark.parametrize("rule, now, expected_due, shown_ru", [
    # Friday 25 December 2026, 02:00 in Bishkek (still 24 December in UTC): counted from the local date.
    (DeadlineRule.working(10), datetime(2026, 12, 24, 20, 0, tzinfo=UTC), "2027-01-12", "12 января 2027 г."),
    (DeadlineRule.calendar(14), datetime(2026, 12, 24, 20, 0, tzinfo=UTC), "2027-01-08", "8 января 2027 г."),
    # Friday 6 November 2026 with the demo holidays on 7–8 November.
    (DeadlineRule.working(10), datetime(2026, 11, 6, 9, 0, tzinfo=UTC), "2026-11-20", "20 ноября 2026 г."),
])
async def test_submitted_request_follows_the_configured_rule(db, rule, now, expected_due, shown_ru):
    core = ConversationCore(db, core_config(deadline_rule=rule), clock=lambda: now)
    chat = Chat(core, db, "console:deadline")
    await onboard(chat)
    await chat.press("Подать обращение")
    await chat.press("Питьевая вода")
    await chat.send("Нет воды с утра")
    await chat.press("Отправить")
    assert "ALM-" in chat.text and shown_ru in chat.text
    async with db.reader() as session:
        request = (await session.scalars(sa.select(Request))).one()
    assert request.due_date == D(expected_due)
    assert request.due_at == end_of_day(D(expected_due), BISHKEK)
    assert request.ticket.startswith(f"ALM-{now.astimezone(BISHKEK).year}-")


async def test_the_due_date_in_the_confirmation_reads_well(db):
    """Babel's long Russian date ends in 'г.': the message must not add a second full stop after it."""
    core = ConversationCore(db, core_config(), clock=lambda: datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    chat = Chat(core, db, "console:typography")
    await onboard(chat)
    await chat.press("Подать обращение")
    for answer in ("1", "Нет воды"):
        await chat.send(answer)
    await chat.press("Отправить")
    text = chat.text.replace("\u202f", " ").replace("\xa0", " ")  # Babel's (narrow) no-break spaces
    assert "4 декабря 2026 г." in text
    assert ".." not in text


@pytest.mark.parametrize("received, rule, expected", [
    # Labour Day (Fri 1 May) and Constitution Day (Tue 5 May); Victory Day falls on a Saturday.
    ("2026-04-30", "working:10", "2026-05-18"),
    # Orozo Ait (Fri 20 March) and Nooruz on a Saturday: counting starts on Monday 23 March.
    ("2026-03-19", "working:10", "2026-04-03"),
    # A calendar term ending on Kurman Ait (Wed 27 May 2026) moves to the next day.
    ("2026-05-13", "calendar:14", "2026-05-28"),
    # Independence Day (Mon 31 August) is skipped.
    ("2026-08-24", "working:10", "2026-09-08"),
    # Over New Year and Orthodox Christmas 2027.
    ("2026-12-30", "working:10", "2027-01-15"),
    # Registration within one working day, from a Friday before a weekend.
    ("2026-05-08", "working:1", "2026-05-11"),
])
async def test_due_dates_over_the_holiday_calendar_in_the_database(db, received, rule, expected):
    """The same path a submission takes: the holidays are read from the database's calendar."""
    rule = DeadlineRule.parse(rule)
    async with db.reader() as session:
        holidays = await holidays_between(session, D(received), rule.days * 3 + 30)
    assert due_date(D(received), rule, holidays) == D(expected)
