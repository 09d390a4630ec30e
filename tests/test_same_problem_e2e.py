"""End to end «the same problem» (issue 15) on the fake Bot API and the fake Twilio API: a resident about
to send a request like an open one is offered to join it, follows it, is told of its resolution (or
its answer) in their own language and counts as affected; with nothing similar there is no offer."""

import re

import sqlalchemy as sa

from handlers.services.requests import do_answer_request, do_change_request_status, request_by_ticket
from handlers.services.same_problem import affected_counts, do_follow
from handlers.staff.cards import card_reply
from storage.enums import Language, RequestStatus
from storage.models import Person, Request
from storage.types import utcnow
from tests.conftest import TELEGRAM_TOKEN as TOKEN
from tests.telegram_user import TelegramUser
from tests.test_telegram_e2e import service  # noqa: F401 - a fixture
from tests.test_whatsapp_e2e import start_service, submit_request, to_description, twilio, user_of  # noqa: F401


async def _onboard(user: TelegramUser, language: str, agree: str, village: str, water: str) -> None:
    """A new resident of quarter 2 of Kara-Jygach, left on the description of a drinking-water request."""
    await user.say("/start")
    await user.press(language)
    await user.press(agree)
    await user.press(village)
    await user.say("2")
    await user.press(water)


async def _submit(user: TelegramUser, text: str, send: str) -> str:
    await user.say(text)
    return (await user.press(send)).text


async def test_a_resident_joins_an_open_request_and_is_told_of_its_resolution(service, fake_api):
    first = TelegramUser(fake_api.bot(TOKEN), chat_id=6101)
    await _onboard(first, "Русский", "Да, согласен", "Кара-Джигач", "Питьевая вода")
    first.answers = first.carriers = 0
    done = await _submit(first, "Нет воды третий день, кран сухой", "Отправить")
    assert "зарегистрировано" in done and first.answers - first.carriers == 2  # nothing similar: no offer
    ticket = done.split("номер: ")[1].split(".")[0]

    again = await _submit(first, "Опять нет воды, кран сухой", "Отправить")
    assert "та же проблема" not in again and "зарегистрировано" in again  # one's own request is not offered

    second = TelegramUser(fake_api.bot(TOKEN), chat_id=6102)
    await _onboard(second, "Кыргызча", "Макулмун", "Кара-Жыгач", "Ичүүчү суу")
    await second.say("Үч күндөн бери суу жок")
    offer = await second.press("Жөнөтүү")
    assert offer.text.startswith("Бул ошол эле көйгөйбү?") and ticket in offer.text
    assert "· Катталды" in offer.text and "бүгүн" in offer.text and "кран" not in offer.text  # no one's words
    joined = await second.press(f"➕ {ticket} кошулуу")
    assert f"Сиз {ticket} кайрылууга кошулдуңуз" in joined.text

    async with service.db.transaction() as session:
        request = await request_by_ticket(session, 1, ticket)
        assert (await session.scalar(sa.select(sa.func.count()).select_from(Request))) == 2  # B sent nothing
        joiner = await session.get(Person, request.person_id + 1)
        assert joiner is not None and not await do_follow(session, request, joiner, Language.KY, utcnow())
        assert (await affected_counts(session, [request.id])) == {request.id: 2}
        card = await card_reply(session, request, Language.KY)
        assert "👥 Көйгөйгө туш болгон тургундар: 2" in card.text  # the staff-chat card's line
        await do_change_request_status(session, request, RequestStatus.RESOLVED, actor_person_id=None,
                                       note=None, now=utcnow())
    service.worker.wake()
    told = await second.bot.wait_sent(second.chat_id, len(second.bot.sent_to(second.chat_id)) + 1)
    assert f"Сиз кошулган {ticket} кайрылуунун абалы өзгөрдү: «Чечилди»" in told[-1].text


async def test_on_whatsapp_a_resident_joins_and_is_told_the_answer_in_their_language(
        db_url, twilio, unused_tcp_port):  # noqa: F811
    service = await start_service(db_url, twilio, unused_tcp_port)
    service.port = unused_tcp_port
    try:
        author = user_of(service, twilio)
        done = await submit_request(author, "Кыргызча")  # water, quarter 4 of Alamüdün, a pin
        ticket = re.search(r"ALM-\d{4}-\d+", done).group(0)
        joiner = user_of(service, twilio, "+996555987654")
        await to_description(joiner, "Русский")
        await joiner.say("Прорвало трубу, воды нет")
        offer = await joiner.choose("Отправить")
        assert offer["body"].startswith("Это та же проблема?") and ticket in offer["body"]
        assert "Прорвало" not in offer["body"] and "Көчөдө" not in offer["body"]  # no one's words
        await joiner.choose(f"Присоединиться к {ticket}")
        told = [m["body"] for m in twilio.sent_to(joiner.phone)]
        assert any(f"Вы присоединились к обращению {ticket}" in body for body in told)
        async with service.db.transaction() as session:
            request = await request_by_ticket(session, 1, ticket)
            assert (await session.scalar(sa.select(sa.func.count()).select_from(Request))) == 1
            assert (await affected_counts(session, [request.id])) == {request.id: 2}
            await do_answer_request(session, request, "Бригада выехала, воду дадут к вечеру.",
                                    actor_person_id=None, now=utcnow())
        service.worker.wake()
        sent = await twilio.wait_sent(joiner.phone, len(told) + 1)
        assert f"Ответ на обращение {ticket}, к которому вы присоединились:" in sent[-1]["body"]
        assert "Бригада выехала" in sent[-1]["body"]
    finally:
        await service.stop()
