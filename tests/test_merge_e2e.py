"""Merging a duplicate (issue 15) end to end on the fake Bot API and the fake Twilio API: both sides are
told in their own language, everyone of the duplicate follows the other request (no one counted twice),
«My requests» shows the duplicate as merged, the resolution reaches them all and each follower rates it
once (the dashboard counts every resident's rating). A request sent «not to be published» is never
offered to another resident as «the same problem»."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from handlers.config import BISHKEK
from handlers.errors import InvalidInput
from handlers.services import setup
from handlers.services.feedback import do_rate_request
from handlers.services.merge import do_merge_request
from handlers.services.requests import request_by_ticket
from handlers.services.same_problem import affected_counts
from handlers.transparency.figures import public_figures
from storage.enums import RequestEventKind, RequestStatus, Role
from storage.models import Request, RequestEvent, RequestFollower
from storage.types import utcnow
from tests.backoffice_world import add_request, add_staff
from tests.conftest import TELEGRAM_TOKEN as TOKEN
from tests.telegram_user import TelegramUser
from tests.test_same_problem_e2e import _onboard
from tests.test_telegram_e2e import service  # noqa: F401 - a fixture
from tests.test_whatsapp_e2e import start_service, submit_request, to_description, twilio, user_of  # noqa: F401

RU = ("Русский", "Да, согласен", "Кара-Джигач", "Питьевая вода")
KY = ("Кыргызча", "Макулмун", "Кара-Жыгач", "Ичүүчү суу")


def ticket_in(text: str) -> str:
    return re.search(r"ALM-\d{4}-\d+", text).group(0)


async def _head(service):
    async with service.db.transaction() as session:
        head = await add_staff(session, "ALM", "head.alm", Role.HEAD, name="Башчы")
    return await service.desk.actor(head.id, 1, via="web")


async def test_a_merge_tells_both_sides_and_the_merged_residents_get_the_resolution_and_rate_it(service, fake_api):
    bot = fake_api.bot(TOKEN)
    author, duplicate_author, joiner, both = (TelegramUser(bot, chat_id=c) for c in (6301, 6302, 6303, 6304))
    await _onboard(author, *RU)
    await author.say("Нет воды третий день, кран сухой")
    target = ticket_in((await author.press("Отправить")).text)
    await _onboard(duplicate_author, *KY)
    await duplicate_author.say("Үч күндөн бери суу жок")
    await duplicate_author.press("Жөнөтүү")
    duplicate = ticket_in((await duplicate_author.press("Өз кайрылуумду жөнөтүү")).text)
    await _onboard(both, *RU)  # joins the first request, then (writing again) the duplicate
    await both.say("У нас тоже нет воды")
    await both.press("Отправить")
    await both.press(f"Присоединиться к {target}")
    await both.say("/menu")
    await both.press("Подать обращение")
    await both.press("Питьевая вода")
    await both.say("И во дворе нет воды")
    offer = await both.press("Отправить")
    assert target not in offer.text  # already followed: not offered again
    await both.press(f"Присоединиться к {duplicate}")
    await _onboard(joiner, *RU)
    await joiner.say("Воды нет с понедельника")
    await joiner.press("Отправить")
    await joiner.press(f"Присоединиться к {duplicate}")

    actor = await _head(service)
    async with service.db.reader() as session:
        first, second = [await request_by_ticket(session, 1, t) for t in (target, duplicate)]
        assert (await affected_counts(session, [first.id, second.id])) == {first.id: 2, second.id: 3}
    with pytest.raises(InvalidInput):
        await service.desk.merge(actor, second.id, duplicate)  # into itself
    counts = {user.chat_id: len(bot.sent_to(user.chat_id)) for user in (author, duplicate_author, joiner, both)}
    await service.desk.merge(actor, second.id, target.lower())

    told = await bot.wait_sent(duplicate_author.chat_id, counts[duplicate_author.chat_id] + 1)
    assert (f"Сиздин {duplicate} кайрылууңуз ошол эле көйгөй боюнча {target} кайрылууга бириктирилди"
            in told[-1].text)
    told = await bot.wait_sent(joiner.chat_id, counts[joiner.chat_id] + 1)
    assert f"Обращение {duplicate}, к которому вы присоединились, объединено с обращением {target}" in told[-1].text
    told = await bot.wait_sent(author.chat_id, counts[author.chat_id] + 1)
    assert (f"К вашему обращению {target} присоединено другое обращение о той же проблеме ({duplicate}). "
            "Затронуто жителей: 4." in told[-1].text)
    assert "суу" not in told[-1].text and "Воды нет" not in told[-1].text  # no one's words, no names
    async with service.db.reader() as session:
        first, second = [await request_by_ticket(session, 1, t) for t in (target, duplicate)]
        assert (second.status, second.merged_into_id) == (RequestStatus.MERGED, first.id)
        assert (await affected_counts(session, [first.id]))[first.id] == 4  # «both» counted once
        assert second.events[-1].kind == RequestEventKind.MERGED and second.closed_at is not None
        merged_in = await session.scalar(sa.select(RequestEvent.detail).where(
            RequestEvent.request_id == first.id, RequestEvent.kind == RequestEventKind.MERGED_IN))
        assert merged_in == {"id": second.id, "ticket": duplicate, "joined": 2}
    with pytest.raises(InvalidInput):
        await service.desk.merge(actor, first.id, duplicate)  # into a merged (closed) request

    await duplicate_author.say("/menu")
    listing = await duplicate_author.press("Менин кайрылууларым")
    assert f"{duplicate}: {target} кайрылууга бириктирилди" in listing.text
    shown = await duplicate_author.press(duplicate)
    assert f"ошол эле көйгөй боюнча {target} кайрылууга бириктирилди" in shown.text
    await duplicate_author.press("Башкы меню")

    counts = {user.chat_id: len(bot.sent_to(user.chat_id)) for user in (author, duplicate_author, joiner, both)}
    await service.desk.resolve(actor, first.id, "Трубу заменили.")
    for user, status in ((duplicate_author, "Чечилди"), (joiner, "Решено"), (both, "Решено")):
        told = await bot.wait_sent(user.chat_id, counts[user.chat_id] + 2)
        assert any(target in m.text and status in m.text for m in told[counts[user.chat_id]:])
    assert "Сиз кошулган" in duplicate_author.last.text and "1ден 5ке чейин" in duplicate_author.last.text
    assert not any("Чечилген жок" in b["text"] for b in duplicate_author.buttons())  # reopening: the author's
    thanks = await duplicate_author.press("4 ⭐")
    assert "Баалаганыңыз үчүн рахмат" in thanks.text
    await joiner.press("2 ⭐")
    await bot.wait_sent(author.chat_id, counts[author.chat_id] + 2)
    await author.press("5 ⭐")
    async with service.db.transaction() as session:
        first = await request_by_ticket(session, 1, target)
        ratings = dict((await session.execute(sa.select(RequestFollower.person_id, RequestFollower.rating).where(
            RequestFollower.request_id == first.id))).all())
        assert sorted(r for r in ratings.values() if r is not None) == [2, 4] and first.rating == 5
        rated = next(person for person, rating in ratings.items() if rating == 4)
        with pytest.raises(InvalidInput):  # each person rates once
            await do_rate_request(session, first, 1, utcnow(), person_id=rated)
    today = utcnow().astimezone(BISHKEK).date()
    board = await service.desk.dashboard(actor, today - timedelta(days=1), today)
    assert board.ratings == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1} and board.average_rating == pytest.approx(3.67)


async def test_a_request_not_to_be_published_is_never_offered_as_the_same_problem(service, fake_api):
    bot = fake_api.bot(TOKEN)
    private, other = TelegramUser(bot, chat_id=6311), TelegramUser(bot, chat_id=6312)
    await _onboard(private, *RU)
    await private.say("Нет воды у дома 7")
    done = await private.press("Отправить, не публиковать")
    assert "зарегистрировано" in done.text
    await _onboard(other, *KY)
    await other.say("Бизде да суу жок")
    sent = await other.press("Жөнөтүү")
    assert "Бул ошол эле көйгөйбү?" not in sent.text and "катталды" in sent.text.casefold()
    async with service.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(RequestFollower)) == 0
        assert await session.scalar(sa.select(sa.func.count()).select_from(Request)) == 2


async def test_on_whatsapp_a_merge_tells_both_sides_and_the_merged_resident_rates_the_resolution(
        db_url, twilio, unused_tcp_port):  # noqa: F811
    service = await start_service(db_url, twilio, unused_tcp_port)
    service.port = unused_tcp_port
    try:
        author = user_of(service, twilio)
        target = ticket_in(await submit_request(author, "Кыргызча"))
        other = user_of(service, twilio, "+996555987654")
        await to_description(other, "Русский")
        await other.say("Прорвало трубу, воды нет")
        await other.choose("Отправить")
        duplicate = ticket_in((await other.choose("Отправить своё"))["body"])
        actor = await _head(service)
        async with service.db.reader() as session:
            second = await request_by_ticket(session, 1, duplicate)
        before = {user.phone: len(twilio.sent_to(user.phone)) for user in (author, other)}
        await service.desk.merge(actor, second.id, target)
        told = await twilio.wait_sent(other.phone, before[other.phone] + 1)
        assert (f"Ваше обращение {duplicate} объединено с обращением {target} о той же проблеме"
                in told[-1]["body"])
        told = await twilio.wait_sent(author.phone, before[author.phone] + 1)
        assert (f"Ошол эле көйгөй боюнча дагы бир кайрылуу ({duplicate}) Сиздин {target} кайрылууңузга "
                "бириктирилди. Көйгөйгө туш болгон тургундар эми: 2." in told[-1]["body"])

        async with service.db.reader() as session:
            first = await request_by_ticket(session, 1, target)
        before = {user.phone: len(twilio.sent_to(user.phone)) for user in (author, other)}
        await service.desk.resolve(actor, first.id, "Трубу заменили.")
        told = await twilio.wait_sent(other.phone, before[other.phone] + 2)
        assert any(f"{target}, к которому вы присоединились: статус изменён на «Решено»" in m["body"]
                   or (target in m["body"] and "Решено" in m["body"]) for m in told[before[other.phone]:])
        assert "Насколько вы довольны?" in other.last["body"]
        thanks = await other.choose("3 ⭐")
        assert "Спасибо за оценку" in thanks["body"]
        async with service.db.reader() as session:
            assert await session.scalar(sa.select(RequestFollower.rating).where(
                RequestFollower.request_id == first.id)) == 3
    finally:
        await service.stop()


async def test_a_merged_duplicate_does_not_count_against_the_public_share_answered_in_term(db):
    async with db.transaction() as session:
        target = await add_request(session, "ALM", "Нет воды на улице")
        duplicate = await add_request(session, "ALM", "Воды нет")
        target.due_at = duplicate.due_at = utcnow() - timedelta(hours=1)  # both past their term, unanswered
        await do_merge_request(session, duplicate, target, actor_person_id=None, now=utcnow())
        figures = await public_figures(session, await setup.municipality_by_code(session, "ALM"), utcnow(),
                                       BISHKEK, [])
    assert figures.in_term == (0, 1) and figures.year_total == 2  # still counted among the year's requests
