"""The anonymiser (Kyrgyz and Russian names, +996 phone numbers, 14-digit personal numbers) and
the answer base's CSV import and export."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from handlers.legal.search import search_answers
from handlers.legal.transfer import do_import_csv, export_csv
from handlers.services.anonymise import anonymise
from storage.enums import AnswerStatus, Language
from storage.models import LegalAnswer

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("text, gone, kept", [
    ("Меня зовут Иванов Сергей Петрович, звоните +996 555 123 456.", ["Иванов", "Сергей", "555"], ["Меня зовут"]),
    ("Жалобу подала Асанова Айгуль, тел. 0700-11-22-33, ИНН 22501199000123.", ["Асанова", "Айгуль", "0700", "22501199000123"],
     ["Жалобу подала"]),
    ("Глава А.Б. Токтогулов уволил Петрову Ирину без приказа.", ["Токтогулов", "Петрову", "Ирину"], ["уволил"]),
    ("Мен Асан Бакыт уулу, телефонум +996700111222, ПИН 2 0101 1990 00123.", ["Асан", "Бакыт", "700111222", "00123"],
     ["Мен"]),
    ("Айыл өкмөтүнүн башчысы Жылдыз Сапарова кызы мени жумуштан бошотту.", ["Жылдыз", "Сапарова"], ["башчысы"]),
    ("Бакытка жана Айгүлдүн апасына жардам берилди.", ["Бакыт", "Айгүл"], ["жардам берилди"]),
])
def test_personal_data_is_removed_and_the_rest_kept(text, gone, kept):
    for language in Language:
        result = anonymise(text, language)
        assert not [g for g in gone if g in result.text], result.text
        assert all(k in result.text for k in kept) and result.removed >= 1


def test_laws_places_and_bodies_are_not_names():
    text = ("По Закону Кыргызской Республики глава айыл окмоту отчитывается перед кенешем. Жогорку Кенеш принял "
            "изменения 14 марта 2026 года; статья 25, пункт 3.")
    assert anonymise(text, Language.RU).text == text


CSV = ("key,topic,language,question,answer\n"
       "union-001,labour,ru,Как оплачивается сверхурочная работа муниципального служащего?,"
       "Сверхурочная работа оплачивается в повышенном размере; спросите Иванова Сергея Петровича.\n"
       "union-002,land,ky,Жайыт ижарасы канча жылга берилет?,Жайыт ижарасы келишимде көрсөтүлгөн мөөнөткө берилет.\n")


async def test_import_then_search_and_export(db):
    async with db.transaction() as session:
        report = await do_import_csv(session, CSV, NOW)
    assert (report.added, report.replaced, report.errors) == (2, 0, []) and report.anonymised == 1
    async with db.reader() as session:
        hits = await search_answers(session, "оплата сверхурочной работы служащего")
        assert hits and hits[0].answer.key == "union-001" and "Иванова" not in hits[0].answer.answer
        exported = await export_csv(session)
    assert "union-002,land,ky" in exported and "demo-labour-vacation-pay-ru" in exported
    async with db.transaction() as session:  # the same keys again: replaced, not doubled
        again = await do_import_csv(session, CSV.replace("повышенном", "двойном"), NOW)
    assert (again.added, again.replaced) == (0, 2)
    async with db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(LegalAnswer)
                                    .where(LegalAnswer.key.like("union-%"))) == 2


async def test_a_wrong_row_imports_nothing_and_says_where(db):
    bad = CSV + "union-003,weather,ru,Вопрос?,Ответ\nunion-004,land,en,,Ответ\n"
    async with db.transaction() as session:
        report = await do_import_csv(session, bad, NOW)
    assert report.added == 0 and [e.split(":")[0] for e in report.errors] == ["line 4", "line 5"]
    async with db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(LegalAnswer)
                                    .where(LegalAnswer.key.like("union-%"))) == 0


async def test_a_withdrawn_answer_is_never_found(db):
    async with db.transaction() as session:
        await do_import_csv(session, CSV, NOW)
    async with db.transaction() as session:
        entry = (await session.scalars(sa.select(LegalAnswer).where(LegalAnswer.key == "union-001"))).one()
        from handlers.legal.publishing import do_withdraw
        await do_withdraw(session, entry, NOW)
    async with db.reader() as session:
        hits = await search_answers(session, "оплата сверхурочной работы служащего", limit=10)
    assert all(hit.answer.key != "union-001" and hit.answer.status == AnswerStatus.PUBLISHED for hit in hits)
