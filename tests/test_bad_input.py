"""Whatever a resident sends at any step of the request flow, they get a short answer in their
language and the step's question again, with buttons: nobody is left without a way forward."""

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from handlers.conversation import ConversationCore
from handlers.envelope import InputKind
from handlers.features import FEATURE_SET
from storage.models import ChannelIdentity, Conversation, InboundMessage, Request
from tests.core_config import core_config
from tests.harness import Chat, onboard

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
LANGUAGES = ["ru", "ky"]
KYRGYZ_LETTERS = re.compile("[өүңӨҮҢ]")

# The question each step asks, (Russian, Kyrgyz).
PROMPTS = {
    "menu": ("Главное меню. Что вы хотите сделать?", "Башкы меню. Эмне кылгыңыз келет?"),
    "category": ("С чем связана проблема? Выберите категорию.", "Көйгөй эмнеге байланыштуу? Түрүн тандаңыз."),
    "description": ("Кратко опишите проблему", "Көйгөйдү кыскача жазыңыз"),
    "place": ("Где проблема?", "Көйгөй кайсы жерде?"),
    "confirm": ("Проверьте ваше обращение:", "Кайрылууңузду текшериңиз:"),
}
CANCEL_LABEL = ("✖ Отмена", "✖ Жокко чыгаруу")
MENU_LABEL = ("◀ Главное меню", "◀ Башкы меню")
REQUEST_STEPS = ["category", "description", "place", "confirm"]

STICKER = ("Стикеры — это приятно, но я не умею их читать.", "Стикерлер жакшы, бирок мен аларды окуй албайм.")
VOICE = ("На этом шаге я не могу прослушать голосовое сообщение.", "Бул кадамда үн билдирүүнү уга албайм.")
PHOTO = ("На этом шаге фото не нужно.", "Бул кадамда сүрөт керек эмес.")
LOCATION = ("На этом шаге местоположение не нужно.", "Бул кадамда жайгашкан жер керек эмес.")
NOT_UNDERSTOOD = ("Я не понял ваш ответ.", "Жообуңузду түшүнгөн жокмун.")
CHOOSE = ("Пожалуйста, выберите один из вариантов ниже.", "Төмөнкү варианттардын бирин тандаңыз.")
IN_WORDS = ("Пожалуйста, опишите проблему словами, чтобы сотрудники её поняли.",
            "Кызматкерлер түшүнүшү үчүн көйгөйдү сөз менен жазыңыз.")
ADDRESS_IN_WORDS = ("Пожалуйста, напишите адрес или ориентир словами.", "Даректи же белгилүү жерди сөз менен жазыңыз.")
PHOTO_ADDED = ("Добавлено фото: 1.\n\nТеперь опишите проблему словами или голосовым сообщением.",
               "Кошулган сүрөттөр: 1.\n\nЭми көйгөйдү сөз менен же үн билдирүү менен жазыңыз.")
TOO_LONG = ("Текст слишком длинный (10 000 симв.). Пожалуйста, напишите короче, до 3 000 символов.",
            "Текстиңиз өтө узун (10 000 белги). Кыскараак, 3 000 белгиге чейин жазыңыз.")
OUTSIDE = ("Эта точка в 305 км от центра муниципалитета (Аламудунский айыл окмоту) и, похоже, за его пределами.",
           "Бул чекит муниципалитеттин борборунан (Аламүдүн айыл өкмөтү) 305 км алыс, анын чегинен тышкары окшойт.")
UNKNOWN_COMMAND = ("Я не знаю команду /foo. Отправьте /help, чтобы увидеть, что я умею.",
                   "/foo буйругун билбейм. Эмне кыла аларымды көрүү үчүн /help жөнөтүңүз.")
CANCELLED = ("Отменено. Обращение не отправлено.", "Жокко чыгарылды. Кайрылуу жөнөтүлгөн жок.")
STALE = ("Эта кнопка относится к предыдущему шагу. Сейчас мы здесь:",
         "Бул баскыч мурунку кадамга тиешелүү. Азыр биз бул жердебиз:")


RESIDENT_MENU = len([entry for entry in FEATURE_SET.menu if entry.shown_to is None])
"""The main menu of a resident with no role: every feature's entry for everyone."""


def no_number(count: int) -> tuple[str, str]:
    return (f"Варианта с таким номером нет. Отправьте число от 1 до {count}.",
            f"Мындай номердеги вариант жок. 1 – {count} аралыгындагы санды жөнөтүңүз.")


def in_language(pair: tuple[str, str], language: str) -> str:
    return pair[LANGUAGES.index(language)]


def plain(text: str) -> str:
    return text.replace("\xa0", " ")  # Babel groups digits with a no-break space


@pytest.fixture
def core(db):
    return ConversationCore(db, core_config(), clock=lambda: NOW)


async def at_step(chat: Chat, step: str, language: str) -> None:
    """A newly onboarded resident, taken to ``step`` of the request flow (or left at the main menu)."""
    await onboard(chat, language="Кыргызча" if language == "ky" else "Русский")
    steps = ["menu"] + REQUEST_STEPS
    moves = [lambda: chat.press("📝"), lambda: chat.send("1"),
             lambda: chat.send("Суу жок" if language == "ky" else "Нет воды")]
    for move in moves[:steps.index(step) if step != "place" else len(moves)]:
        await move()
    if step == "place":  # from the confirm screen, ✏️
        await chat.press("✏️ Жерин" if language == "ky" else "✏️ Место")
    assert in_language(PROMPTS[step], language) in chat.text


async def conversation_of(db, address: str) -> Conversation:
    async with db.reader() as session:
        return (await session.scalars(sa.select(Conversation).join(ChannelIdentity)
                                      .where(ChannelIdentity.address == address))).one()


async def count(db, model) -> int:
    async with db.reader() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(model))


def assert_answered_and_asked_again(chat: Chat, hint: str, step: str, language: str) -> None:
    """One short hint in the person's language, then the step's question with its buttons."""
    text = plain(chat.text)
    prompt = in_language(PROMPTS[step], language)
    assert hint in text, text
    assert text.index(hint) < text.index(prompt)
    assert len(text[:text.index(prompt)]) < 250, "the hint should be short"
    assert prompt in chat.last["text"] and chat.last["options"] and chat.last["nonce"] is not None
    if step == "category":  # nothing told yet: the way out is the main menu
        assert chat.labels()[-1] == in_language(MENU_LABEL, language)
    elif step in REQUEST_STEPS:  # a way out is always offered
        assert chat.labels()[-1] == in_language(CANCEL_LABEL, language)
    else:
        assert len(chat.labels()) >= 4  # the main menu (feature entries follow the first four)
    if language == "ru":
        assert not KYRGYZ_LETTERS.search(text), text


def send(text: str):
    return lambda chat: chat.send(text)


def send_kind(kind: InputKind):
    return lambda chat: chat.send(kind=kind)


OSH = lambda chat: chat.location(40.51, 72.80)  # noqa: E731  about 300 km from Alamudun

CASES = [
    # (step, case name, what the resident sends, the hint expected)
    ("menu", "zero", send("0"), no_number(RESIDENT_MENU)),
    ("menu", "ninety-nine", send("99"), no_number(RESIDENT_MENU)),
    ("menu", "sticker", send_kind(InputKind.STICKER), STICKER),
    ("menu", "unknown-command", send("/foo"), UNKNOWN_COMMAND),
    ("category", "sticker", send_kind(InputKind.STICKER), STICKER),
    ("category", "voice", lambda chat: chat.voice(), VOICE),
    ("category", "photo", lambda chat: chat.photo(), PHOTO),
    ("category", "location", OSH, LOCATION),
    ("category", "emoji", send("🤷‍♀️👍"), NOT_UNDERSTOOD),
    ("category", "unknown-words", send("что-то непонятное"), NOT_UNDERSTOOD),
    ("category", "zero", send("0"), no_number(9)),
    ("category", "ninety-nine", send("99"), no_number(9)),
    ("category", "unknown-command", send("/foo"), UNKNOWN_COMMAND),
    ("description", "10000-chars", send("x" * 10_000), TOO_LONG),
    ("description", "emoji", send("😡😡😡"), IN_WORDS),
    ("description", "punctuation", send("?!..."), IN_WORDS),
    ("description", "photo-no-caption", lambda chat: chat.photo(), PHOTO_ADDED),
    ("description", "sticker", send_kind(InputKind.STICKER), STICKER),
    ("description", "osh", OSH, OUTSIDE),
    ("description", "unknown-command", send("/foo"), UNKNOWN_COMMAND),
    ("place", "osh", OSH, OUTSIDE),
    ("place", "emoji", send("🏠📍"), ADDRESS_IN_WORDS),
    ("place", "zero", send("0"), no_number(3)),
    ("place", "sticker", send_kind(InputKind.STICKER), STICKER),
    ("place", "voice", lambda chat: chat.voice(), VOICE),
    ("place", "photo", lambda chat: chat.photo(), PHOTO),
    ("place", "unknown-command", send("/foo"), UNKNOWN_COMMAND),
    ("confirm", "ninety-nine", send("99"), no_number(6)),
    ("confirm", "emoji", send("🤷‍♀️"), IN_WORDS),
    ("confirm", "sticker", send_kind(InputKind.STICKER), STICKER),
    ("confirm", "unknown-command", send("/foo"), UNKNOWN_COMMAND),
]


BOTH_LANGUAGES = {STICKER, TOO_LONG, OUTSIDE, UNKNOWN_COMMAND, no_number(4)}


def case_params() -> list:
    """Every case in one language (alternating), and a few in both."""
    params = []
    for index, (step, name, action, hint) in enumerate(CASES):
        languages = LANGUAGES if hint in BOTH_LANGUAGES else [LANGUAGES[index % 2]]
        params += [pytest.param(step, action, hint, language, id=f"{step}-{name}-{language}")
                   for language in languages]
    return params


@pytest.mark.parametrize("step, action, hint, language", case_params())
async def test_bad_input_gets_a_hint_and_the_question_again(core, db, step, action, hint, language):
    chat = Chat(core, db, f"console:bad-{language}")
    await at_step(chat, step, language)
    await action(chat)
    hint_text = in_language(hint, language)
    if hint not in (UNKNOWN_COMMAND, OUTSIDE, PHOTO_ADDED, TOO_LONG, IN_WORDS, ADDRESS_IN_WORDS):
        hint_text += " " + in_language(CHOOSE, language)
    assert_answered_and_asked_again(chat, hint_text, step, language)
    assert await count(db, Request) == 0
    conversation = await conversation_of(db, chat.address)
    assert (conversation.flow, conversation.step) == (("menu", "main") if step == "menu" else ("request", step))


@pytest.mark.parametrize("language", LANGUAGES)
async def test_too_long_description_is_refused_but_the_message_is_logged(core, db, language):
    chat = Chat(core, db, "console:long")
    await at_step(chat, "description", language)
    await chat.send("а" * 10_000)
    assert in_language(TOO_LONG, language) in plain(chat.text)
    conversation = await conversation_of(db, chat.address)
    assert conversation.data["draft"]["description"] == ""
    async with db.reader() as session:
        logged = (await session.scalars(sa.select(InboundMessage.text).order_by(InboundMessage.id.desc()))).first()
    assert logged == "а" * 10_000

    await chat.send("Нет воды три дня")  # a description of an acceptable length is taken
    await chat.press("✅")
    async with db.reader() as session:
        assert (await session.scalars(sa.select(Request.description))).all() == ["Нет воды три дня"]


async def test_point_outside_the_municipality_is_not_kept(core, db):
    chat = Chat(core, db, "console:osh")
    await at_step(chat, "place", "ru")
    await chat.location(40.51, 72.80)
    assert "Эта точка в 305 км" in plain(chat.text)
    assert (await conversation_of(db, chat.address)).data["draft"]["latitude"] is None
    await chat.location(42.90, 74.62)  # a point inside is accepted
    assert "Местоположение: точка на карте" in chat.text


async def test_photo_without_caption_is_kept_and_a_description_asked_for(core, db):
    chat = Chat(core, db, "console:photo")
    await at_step(chat, "description", "ky")
    await chat.photo()
    assert chat.labels() == ["✖ Жокко чыгаруу"]  # no «Continue» to press: the words are what is missing
    draft = (await conversation_of(db, chat.address)).data["draft"]
    assert [a["kind"] for a in draft["attachments"]] == ["photo"] and draft["description"] == ""
    await chat.send("Көчөдө чуңкур")
    assert PROMPTS["confirm"][1] in chat.text and "1 сүрөт" in chat.text


async def test_a_photo_on_the_confirm_screen_is_added_to_the_request(core, db):
    chat = Chat(core, db, "console:photo-late")
    await at_step(chat, "confirm", "ru")
    await chat.photo("Вот так это выглядит")
    assert "Добавлено фото: 1." in chat.text and "Описание: Нет воды\nВот так это выглядит" in chat.text
    await chat.send("И ещё: трубу прорвало")  # words that choose nothing are added to the description
    assert "Добавлено к описанию." in chat.text and PROMPTS["confirm"][0] in chat.last["text"]


# -- stale buttons ---------------------------------------------------------------------------------
@pytest.mark.parametrize("language", LANGUAGES)
async def test_send_button_of_a_finished_dialog(core, db, language):
    chat = Chat(core, db, "console:stale")
    await at_step(chat, "confirm", language)
    confirmation = chat.last
    await chat.press("✅")
    await chat.press("✅", reply=confirmation)
    assert_answered_and_asked_again(chat, in_language(STALE, language), "menu", language)
    assert await count(db, Request) == 1


async def test_category_button_of_a_cancelled_dialog(core, db):
    chat = Chat(core, db, "console:stale-cancel")
    await at_step(chat, "category", "ru")
    categories = chat.last
    await chat.send("/cancel")
    await chat.press("Питьевая вода", reply=categories)
    assert_answered_and_asked_again(chat, STALE[0], "menu", "ru")
    assert (await conversation_of(db, chat.address)).flow == "menu"


async def test_garbled_button_payload(core, db):
    chat = Chat(core, db, "console:garbled")
    await at_step(chat, "category", "ky")
    await chat.send(kind=InputKind.OPTION, option="not-a-button")
    assert_answered_and_asked_again(chat, STALE[1], "category", "ky")


# -- the other language ----------------------------------------------------------------------------
async def test_kyrgyz_speaker_types_russian_label_of_a_category(core, db):
    chat = Chat(core, db, "console:ky-ru")
    await at_step(chat, "category", "ky")
    await chat.send("питьевая вода")
    assert PROMPTS["description"][1] in chat.text
    assert (await conversation_of(db, chat.address)).data["draft"]["category_id"] is not None


async def test_russian_speaker_types_kyrgyz_label_of_an_edit(core, db):
    chat = Chat(core, db, "console:ru-ky")
    await at_step(chat, "confirm", "ru")
    await chat.send("Жерин өзгөртүү")
    assert PROMPTS["place"][0] in chat.text


async def test_kyrgyz_speaker_types_russian_send(core, db):
    chat = Chat(core, db, "console:ky-send")
    await at_step(chat, "confirm", "ky")
    await chat.send("Отправить")
    assert "Кайрылууңуз катталды" in chat.text and "ALM-2026-000001" in chat.text
    async with db.reader() as session:
        assert (await session.scalars(sa.select(Request.language))).all() == ["ky"]


# -- a way out from every step ---------------------------------------------------------------------
async def assert_cancelled(chat: Chat, db, language: str) -> None:
    assert_answered_and_asked_again(chat, in_language(CANCELLED, language), "menu", language)
    assert await count(db, Request) == 0
    conversation = await conversation_of(db, chat.address)
    assert (conversation.flow, conversation.data, conversation.expires_at) == ("menu", {}, None)


CANCEL_WORDS = {"/cancel": "slash-cancel", "жокко чыгаруу": "zhokko-chygaruu", "отмена": "otmena"}


@pytest.mark.parametrize("step, word, language", [
    # Every word at every step; the languages alternate so that each step and each word meets both.
    pytest.param(step, word, LANGUAGES[(i + j) % 2], id=f"{step}-{CANCEL_WORDS[word]}-{LANGUAGES[(i + j) % 2]}")
    for i, step in enumerate(REQUEST_STEPS) for j, word in enumerate(CANCEL_WORDS)
])
async def test_cancel_at_every_step(core, db, step, word, language):
    chat = Chat(core, db, f"console:cancel-{language}")
    await at_step(chat, step, language)
    await chat.send(word)
    await assert_cancelled(chat, db, language)


@pytest.mark.parametrize("language, way", [
    ("ru", send("/stop")), ("ky", send("/cancel@kairyl_bot")), ("ru", send("  Отмена! ")),
    ("ky", send("Жокко чыгаруу.")), ("ru", send("ОТМЕНИТЬ")), ("ky", lambda chat: press_and_confirm(chat, "Ооба")),
    ("ru", lambda chat: press_and_confirm(chat, "Да, отменить")),
], ids=["slash-stop", "slash-cancel-at-bot", "otmena-exclaimed", "zhokko-chygaruu-dot", "otmenit-caps",
        "button-ky", "button-ru"])
async def test_other_ways_out(core, db, language, way):
    chat = Chat(core, db, "console:way-out")
    await at_step(chat, "description", language)
    await way(chat)
    await assert_cancelled(chat, db, language)


async def press_and_confirm(chat: Chat, yes: str) -> None:
    """The Cancel button asks first (it is easy to press, or to send its number, by mistake)."""
    await chat.press("✖")
    assert len(chat.labels()) == 2 and await count(db_of(chat), Request) == 0
    await chat.press(yes)


def db_of(chat: Chat):
    return chat.db


@pytest.mark.parametrize("language, question, keep_going", [
    ("ru", "Отменить это обращение?", "Нет, продолжить"), ("ky", "Бул кайрылууну жокко чыгарасызбы?", "Жок, улантуу")])
async def test_a_number_that_means_cancel_is_confirmed_and_the_draft_survives_a_no(core, db, language, question,
                                                                                     keep_going):
    chat = Chat(core, db, "console:by-number")
    await at_step(chat, "confirm", language)
    await chat.send("6")  # on a phone without buttons: "6. ✖ Cancel" (after «5. 🔒 Send, not to be published»)
    assert question in chat.text
    await chat.press(keep_going)
    conversation = await conversation_of(db, chat.address)
    assert (conversation.flow, conversation.step) == ("request", "confirm")
    assert conversation.data["draft"]["description"]  # nothing was lost
    assert await count(db, Request) == 0


@pytest.mark.parametrize("language", LANGUAGES)
async def test_cancel_in_the_main_menu(core, db, language):
    chat = Chat(core, db, "console:nothing")
    await at_step(chat, "menu", language)
    await chat.send("/cancel")
    assert_answered_and_asked_again(chat, in_language(("Отменять нечего.", "Жокко чыгара турган эч нерсе жок."),
                                                      language), "menu", language)


@pytest.mark.parametrize("step, hint", [("description", IN_WORDS), ("place", ADDRESS_IN_WORDS)])
async def test_blank_text_is_not_taken_as_a_description_or_an_address(core, db, step, hint):
    chat = Chat(core, db, "console:blank")
    await at_step(chat, step, "ru")
    await chat.send("   ")
    assert_answered_and_asked_again(chat, hint[0], step, "ru")


@pytest.mark.parametrize("language, how", [("ru", "(📎 → Геопозиция)"), ("ky", "(📎 → Жайгашкан жер)")])
async def test_where_no_button_can_send_a_location_the_question_says_how_and_offers_no_button(core, db, language,
                                                                                             how):
    chat = Chat(core, db, "console:where")
    await at_step(chat, "description", language)
    assert how in chat.text and chat.labels() == [in_language(CANCEL_LABEL, language)]
    await chat.location(42.90, 74.62)  # sent as it says: the place is noted, the words are still asked for
    assert ("Место отмечено." if language == "ru" else "Жери белгиленди.") in chat.text
    assert (await conversation_of(db, chat.address)).data["draft"]["latitude"] == 42.90
