"""A world for the legal tests: the demo municipality, a second one, lawyers, a head, a desk."""

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from handlers.config import CoreConfig
from handlers.conversation import ConversationCore
from handlers.legal.desk import LegalDesk
from handlers.legal.lawyers import Lawyer
from handlers.services import setup
from handlers.staff.access import Actor, load_actor
from storage.db import Database
from storage.enums import Language, Role
from storage.models import LegalQuestion, Municipality
from tests.core_config import core_config
from tests.harness import Chat, onboard

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # a Friday, 15:00 in Bishkek


@dataclass
class LegalWorld:
    db: Database
    core: ConversationCore
    desk: LegalDesk
    alm: Municipality
    lawyer: Lawyer
    colleague: Lawyer
    outsider: Lawyer
    """A lawyer of another municipality only."""
    head: Actor

    def chat(self, name: str) -> Chat:
        return Chat(self.core, self.db, f"console:{name}")

    async def resident(self, name: str, language: str = "Русский") -> Chat:
        chat = self.chat(name)
        await onboard(chat, language=language)
        return chat

    async def last_question(self) -> LegalQuestion:
        async with self.db.reader() as session:
            return (await session.scalars(sa.select(LegalQuestion).order_by(LegalQuestion.id.desc()))).first()


async def build_world(db: Database, config: CoreConfig | None = None) -> LegalWorld:
    config = config or core_config()
    async with db.transaction() as session:
        alm = await setup.municipality_by_code(session, "ALM")
        tkm = await setup.do_create_municipality(session, "TKM", "Токмок шаары", "Город Токмок")
        people = {}
        for key, name, municipalities in (("lawyer", "Бермет Асанова", (alm, tkm)),
                                          ("colleague", "Нурлан Юрист", (alm,)), ("outsider", "Тимур Токмок", (tkm,))):
            person = await setup.do_find_or_add_person(session, address=f"console:{key}", name=name,
                                                       language=Language.RU)
            for municipality in municipalities:
                await setup.do_grant_role(session, person, municipality, Role.LAWYER)
            people[key] = person
        head = await setup.do_find_or_add_person(session, address="console:head", name="Башчы", language=Language.RU)
        await setup.do_grant_role(session, head, alm, Role.HEAD)
        head_actor = await load_actor(session, head.id, alm.id, "web")
    desk = LegalDesk(db, config, clock=lambda: NOW)
    lawyers = {key: await desk.lawyer(person.id, via="web") for key, person in people.items()}
    return LegalWorld(db, ConversationCore(db, config, clock=lambda: NOW), desk, alm, lawyers["lawyer"],
                      lawyers["colleague"], lawyers["outsider"], head_actor)


async def ask(chat: Chat, text: str, *, topic: str = "Трудовое право", confidential: bool = False) -> None:
    """From the main menu to the suggestions (or, with none, the confidentiality question)."""
    await chat.press("⚖️")
    await chat.press("Задать вопрос")
    await chat.press(topic)
    await chat.send(text)


async def send_to_lawyer(chat: Chat, *, confidential: bool = False) -> None:
    if any("Нет, отправить" in label for label in chat.labels()):
        await chat.press("Нет, отправить")
    await chat.press("Да, только юристы" if confidential else "Нет, не конфиденциально")
    assert "Ваш вопрос отправлен юристам" in chat.text
