"""Legal consultations end to end on WhatsApp: signed Twilio webhooks in, the fake Twilio API out.
A resident asks in Kyrgyz, a lawyer answers and publishes through the lawyers' desk (as the back
office does), and the next asker is shown the published answer and says it helped."""


import pytest
import sqlalchemy as sa

from handlers.services import setup
from storage.enums import Language, Role
from storage.models import LegalAnswer, LegalQuestion
from tests.test_whatsapp_e2e import start_service, twilio, user_of  # noqa: F401 - a fixture

QUESTION = ("Айыл өкмөтүнүн мектебине жылытуу үчүн кампадагы отунду кеңештин чечимисиз берсе болобу? "
            "Менин телефонум +996 700 111 222.")
ANSWER = "Жок: муниципалдык мүлк айылдык кеңештин чечими менен гана берилет. Асанов Бакытка кайрылыңыз."


@pytest.fixture
async def service(db_url, twilio, unused_tcp_port):  # noqa: F811
    running = await start_service(db_url, twilio, unused_tcp_port)
    running.port = unused_tcp_port
    yield running
    await running.stop()


async def ask_in_kyrgyz(user, text: str) -> dict:
    await user.say("Салам")
    await user.choose("Кыргызча")
    await user.choose("Макулмун")
    await user.choose("Аламүдүн")
    await user.say("4")  # a new resident is offered the categories first
    await user.choose("Башкы меню")
    await user.choose("Юридикалык жардам")
    await user.choose("Юристке суроо берүү")
    await user.choose("Муниципалдык мүлк")
    return await user.say(text)


async def test_ask_answer_publish_and_suggested_to_the_next_asker(service, twilio):  # noqa: F811
    asker = user_of(service, twilio, "+996700111222")
    shown = await ask_in_kyrgyz(asker, QUESTION)
    if "суроомду юристке" in shown["body"]:
        await asker.choose("суроомду юристке")
    done = await asker.choose("купуя эмес")
    assert "Сурооңуз юристтерге жөнөтүлдү" in done["body"]

    async with service.db.transaction() as session:
        alm = await setup.municipality_by_code(session, "ALM")
        person = await setup.do_find_or_add_person(session, phone="+996555000111", name="Юрист", language=Language.RU)
        await setup.do_grant_role(session, person, alm, Role.LAWYER)
        question = (await session.scalars(sa.select(LegalQuestion))).one()
    assert question.channel == "whatsapp" and question.language == "ky"
    desk = service.legal_desk
    lawyer = await desk.lawyer(person.id, via="web")
    before = len(twilio.sent_to("+996700111222"))
    await desk.answer(lawyer, question.id, ANSWER)
    sent = await twilio.wait_sent("+996700111222", before + 1)
    assert "юристтин жообу" in sent[-1]["body"] and ANSWER in sent[-1]["body"]
    draft = await desk.prepare_publication(lawyer, question.id)
    assert "+996 700" not in draft.question and "Асанов" not in draft.answer and "[аты-жөнү]" in draft.answer
    await desk.approve_publication(lawyer, question.id, draft.question, draft.answer)

    neighbour = user_of(service, twilio, "+996700333444")
    suggested = await ask_in_kyrgyz(neighbour, "кеңештин чечимисиз мектепке жылытуу үчүн отун берүүгө болобу")
    assert "муниципалдык мүлк айылдык кеңештин чечими менен гана" in suggested["body"]
    helped = await neighbour.choose("1-жооп")
    assert "Жардам бергенине кубанычтабыз" in helped["body"]
    async with service.db.reader() as session:
        answer = (await session.scalars(sa.select(LegalAnswer).where(LegalAnswer.source_question_id == question.id))
                  ).one()
        assert answer.helped == 1
        assert await session.scalar(sa.select(sa.func.count()).select_from(LegalQuestion)) == 1


async def test_a_question_the_base_cannot_answer_is_queued_with_the_no_ready_answer_text(service, twilio):  # noqa: F811
    asker = user_of(service, twilio, "+996700555666")
    shown = await ask_in_kyrgyz(asker, "Паспортумдун мөөнөтү бүттү, жаңы паспортту кантип алмаштырам?")
    told = "\n".join(m["body"] for m in twilio.sent_to("+996700555666")[-2:])
    assert "даяр жооп жок" in told and "Юрист белгиленген мөөнөттө жооп берет" in told
    assert "1-жооп" not in shown["body"]
    done = await asker.choose("купуя эмес")
    assert "Сурооңуз юристтерге жөнөтүлдү" in done["body"]
    async with service.db.reader() as session:
        question = (await session.scalars(sa.select(LegalQuestion))).one()
    assert "паспорт" in question.text and question.language == "ky"


async def test_a_question_with_an_answer_in_the_base_is_suggested_that_answer_only(service, twilio):  # noqa: F811
    asker = user_of(service, twilio, "+996700777888")
    shown = await ask_in_kyrgyz(asker, "Муниципалдык имаратты сатууга кеңештин чечими керекпи?")
    assert "айылдык кеңештин чечими менен гана мүмкүн" in shown["body"]
    assert "1-жооп" in shown["body"] and "2-жооп" not in shown["body"]
    helped = await asker.choose("1-жооп")
    assert "Жардам бергенине кубанычтабыз" in helped["body"]
    async with service.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(LegalQuestion)) == 0
