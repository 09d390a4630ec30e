"""What an asker is shown before the question is queued, through the conversation core: only an
answer that answers the question (none rather than a near miss: then the plain "no ready answer"
and the question goes on to the lawyers), the chosen topic's answers (all for «Other»), the
version in the asker's language, the other language only marked as such; and a lawyer's "this did
not answer it" on what the asker was shown, counted and fed to the ranking."""

import pytest
import sqlalchemy as sa

from handlers.errors import InvalidInput
from handlers.legal.transfer import do_import_csv
from storage.models import LegalAnswer, LegalQuestion
from tests.harness import Chat
from tests.legal_world import NOW, ask, build_world, send_to_lawyer

NO_READY_ANSWER = "нет готового ответа"


@pytest.fixture
async def world(db):
    return await build_world(db)


async def ask_in_kyrgyz(chat: Chat, text: str, topic: str) -> None:
    await chat.press("⚖️")
    await chat.press("Юристке суроо берүү")
    await chat.press(topic)
    await chat.send(text)


async def questions(world) -> int:
    async with world.db.reader() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(LegalQuestion))


async def test_a_question_the_base_cannot_answer_is_told_so_and_queued(world):
    chat = await world.resident("nurbek")
    await ask(chat, "Как поменять паспорт? Срок действия старого паспорта истёк в прошлом месяце.", topic="Другое")
    assert NO_READY_ANSWER in chat.text and "Юрист ответит на него в установленный срок" in chat.text
    assert "Прежде чем отправить" not in chat.text and not any("Ответ 1" in label for label in chat.labels())
    assert any("не конфиденциально" in label for label in chat.labels())  # straight on to queueing
    await send_to_lawyer(chat)
    question = await world.last_question()
    assert "паспорт" in question.text and question.topic == "other"


async def test_a_question_with_an_answer_is_shown_that_answer_only(world):
    chat = await world.resident("dinara")
    await ask(chat, "Когда должны выплатить отпускные муниципальному служащему?")
    assert "Прежде чем отправить" in chat.text and "Отпускные рассчитываются из среднего заработка" in chat.text
    offered = [label for label in chat.labels() if "отвечает на мой вопрос" in label]
    assert offered == ["✅ Ответ 1 отвечает на мой вопрос"]
    assert "Демо-контент" in chat.text  # the demo base says what it is
    assert "неиспользованные дни" not in chat.text and "сверхурочн" not in chat.text.lower()


async def test_the_chosen_topic_filters_and_other_searches_all(world):
    vacation_pay = "Когда должны выплатить отпускные муниципальному служащему?"
    chat = await world.resident("marat")
    await ask(chat, vacation_pay, topic="Земельные вопросы")
    assert NO_READY_ANSWER in chat.text and "Отпускные рассчитываются" not in chat.text
    await chat.press("Отмена")
    await chat.press("Да, отменить")
    await ask(chat, vacation_pay, topic="Другое")
    assert "Отпускные рассчитываются" in chat.text
    assert await questions(world) == 0


async def test_a_kyrgyz_asker_sees_the_kyrgyz_version_first(world):
    chat = await world.resident("aizada", language="Кыргызча")
    await ask_in_kyrgyz(chat, "Отпускные кантип эсептелет? Муниципалдык кызматкерге качан төлөнөт?", "Эмгек укугу")
    assert "Өргүү акысы орточо эмгек акыдан" in chat.text
    assert "Отпускные рассчитываются" not in chat.text and "орусча гана" not in chat.text


async def test_an_answer_only_in_russian_is_found_in_kyrgyz_and_marked(world):
    csv_text = ("key,topic,language,question,answer\n"
                "union-trip-ru,labour,ru,Какие суточные положены муниципальному служащему в командировке?,"
                "Суточные за каждый день командировки выплачиваются по нормам, установленным правительством.\n")
    async with world.db.transaction() as session:
        report = await do_import_csv(session, csv_text, NOW)
    assert report.added == 1 and not report.errors
    chat = await world.resident("bolot", language="Кыргызча")
    await ask_in_kyrgyz(chat, "Муниципалдык кызматкерди иш сапарга жөнөткөндө суточные канча төлөнөт?",
                        "Эмгек укугу")
    assert "Суточные за каждый день командировки" in chat.text and "(Бул жооп орусча гана бар.)" in chat.text


async def test_a_lawyer_marks_a_shown_answer_wrong_it_is_counted_and_suggested_no_more(world):
    vacation_pay = "Когда должны выплатить отпускные муниципальному служащему?"
    for name in ("asker1", "asker2"):
        chat = await world.resident(name)
        await ask(chat, vacation_pay)
        assert "Отпускные рассчитываются" in chat.text
        await send_to_lawyer(chat)
        question = await world.last_question()
        detail = await world.desk.detail(world.lawyer, question.id)
        assert [a.key for a in detail.shown] == ["demo-labour-vacation-pay-ru"] and not detail.marked_wrong
        await world.desk.mark_wrong(world.lawyer, question.id, detail.shown[0].id)
        with pytest.raises(InvalidInput, match="already marked"):
            await world.desk.mark_wrong(world.lawyer, question.id, detail.shown[0].id)
        assert (await world.desk.detail(world.lawyer, question.id)).marked_wrong == {detail.shown[0].id}
    async with world.db.reader() as session:
        answer = (await session.scalars(sa.select(LegalAnswer).where(
            LegalAnswer.key == "demo-labour-vacation-pay-ru"))).one()
    assert answer.marked_wrong == 2
    chat = await world.resident("asker3")
    await ask(chat, vacation_pay)
    assert NO_READY_ANSWER in chat.text and "Отпускные рассчитываются" not in chat.text
