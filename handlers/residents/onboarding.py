"""First contact: language, personal-data consent, municipality, village and quarter.

Nothing personal is stored before consent: until then the conversation keeps only
the chosen language and where the dialog stands.
"""

from handlers.engine.flow import Flow, Step
from handlers.engine.matching import match_words
from handlers.engine.prompts import NO_WORDS, YES_WORDS, explain_unexpected, page_of, turned_page
from handlers.engine.turn import Turn
from handlers.envelope import InputKind, Option
from handlers.i18n import pick
from handlers.services import places
from handlers.services.people import canonical_phone, person_by_phone
from storage.db import get_referenced
from storage.enums import Language
from storage.models import Municipality, Person, Quarter, Village

LANGUAGE_OPTIONS = [Option("lang:ky", "Кыргызча", "Кыргызча", words=("кыргыз", "кыргыз тили", "кыргызский", "ky")),
                    Option("lang:ru", "Русский", "Русский", words=("орусча", "орус", "рус", "по русски", "ru"))]
LANGUAGE_QUESTION = "Кош келиңиз! Тилди тандаңыз.\nДобро пожаловать! Выберите язык."
LANGUAGE_AGAIN = {
    False: "Төмөнкү баскычтардан тилди тандаңыз.\nПожалуйста, выберите язык кнопкой ниже.",
    True: "Тилдин номерин жөнөтүңүз: 1 же 2.\nПожалуйста, отправьте номер языка: 1 или 2.",
}
"""Said when the answer names no language, by whether the channel shows numbered lines instead of buttons."""


async def ask_language(turn: Turn) -> None:
    turn.ask(LANGUAGE_QUESTION, LANGUAGE_OPTIONS)


def chosen_language(turn: Turn) -> Language | None:
    choice = turn.choice()
    return Language(choice.removeprefix("lang:")) if choice else None


async def on_language(turn: Turn) -> None:
    language = chosen_language(turn)
    if language is None:
        turn.say(LANGUAGE_AGAIN[turn.capabilities.numbered_choices])
        return
    turn.conversation.language = language
    if turn.person is not None and turn.person.consent_at is not None:  # consented before, pressed /start again
        turn.person.language = language
        turn.go("onboarding", "municipality")
    else:
        turn.go("onboarding", "consent")


async def ask_consent(turn: Turn) -> None:
    turn.ask(
        turn._("Before we begin: to accept your requests we keep your messages, your quarter and, "
               "if you send them, photos and a location. Only the municipality's staff see them, "
               "only to answer you. You can see or delete your data at any time with /mydata.\n\n"
               "Do you agree?"),
        [turn.option("consent:yes", "I agree", words=YES_WORDS), turn.option("consent:no", "No", words=NO_WORDS)],
    )


async def on_consent(turn: Turn) -> None:
    choice = turn.choice()
    if choice == "consent:yes":
        await _do_record_consent(turn)
        turn.go("onboarding", "municipality")
    elif choice == "consent:no":
        turn.say(turn._("Without your consent we cannot accept requests, and we have stored nothing "
                        "about you. If you change your mind, send /start."))
        turn.go("onboarding", "declined")
    else:
        explain_unexpected(turn)


async def _do_record_consent(turn: Turn) -> None:
    incoming = turn.incoming
    if turn.person is not None:  # a staff member bound by an invitation: the same record
        turn.person.consent_at, turn.person.consent_version = turn.now, turn.config.consent_version
        turn.person.language = turn.language
        return
    phone = canonical_phone(incoming.phone) if incoming else None
    registered = await person_by_phone(turn.session, phone)
    if registered is not None:  # an applicant a clerk or a kvartalkom head registered with this number
        registered.language = turn.language
        registered.consent_at, registered.consent_version = turn.now, turn.config.consent_version
        turn.identity.person_id = registered.id
        turn.person = registered
        return
    person = Person(
        language=turn.language,
        display_name=incoming.display_name if incoming else None,
        phone=phone,
        consent_at=turn.now,
        consent_version=turn.config.consent_version,
        created_at=turn.now,
    )
    turn.session.add(person)
    await turn.session.flush()
    turn.identity.person_id = person.id
    turn.person = person


async def ask_again_after_decline(turn: Turn) -> None:
    turn.ask(turn._("To continue, please read the personal data terms and give your consent."),
             [turn.option("consent:again", "Read the notice again", words=YES_WORDS)])


async def on_declined(turn: Turn) -> None:
    turn.go("onboarding", "consent")


async def ask_municipality(turn: Turn) -> None:
    found = await places.municipalities(turn.session)
    served = _served_by_channel(turn, found)
    if served is not None:
        found = [served]
    if len(found) == 1:
        turn.go("onboarding", "village", municipality_id=found[0].id, page=0)
        return
    turn.ask(turn._("Which municipality do you live in?"),
             [Option(f"m:{m.id}", m.name_ky, m.name_ru) for m in found])


def _served_by_channel(turn: Turn, municipalities: list[Municipality]) -> Municipality | None:
    """The municipality of the bot the person writes to, when it serves one (``TELEGRAM_BOTS``)."""
    address = turn.identity.address
    code = next((code for prefix, code in turn.config.municipality_of_address.items() if address.startswith(prefix)),
                None)
    return next((m for m in municipalities if m.code == code), None)


async def on_municipality(turn: Turn) -> None:
    choice = turn.choice()
    if choice is None:
        explain_unexpected(turn)
        return
    turn.go("onboarding", "village", municipality_id=int(choice.removeprefix("m:")), page=0)


def _place_options(prefix: str, found: list[Village] | list[Quarter]) -> list[Option]:
    return [Option(f"{prefix}{place.id}", place.name_ky, place.name_ru) for place in found]


def _ask_place(turn: Turn, question: str, prefix: str, found: list[Village] | list[Quarter]) -> None:
    turn.ask(question, page_of(_place_options(prefix, found), turn.data.get("page", 0), turn.config.page_size, turn))


def _chosen_place(turn: Turn, prefix: str, found: list[Village] | list[Quarter]) -> int | None:
    """The id of the place chosen from a paged list, or typed by its name though on another page;
    None (and the page turned or a hint given) otherwise."""
    choice = turn.choice()
    if turned_page(turn, choice):
        return None
    if choice is None and turn.kind == InputKind.TEXT and not turn.text.isdigit():
        choice = match_words(turn.text, _place_options(prefix, found)).value
    if choice is None:
        explain_unexpected(turn)
        return None
    return int(choice.removeprefix(prefix))


async def ask_village(turn: Turn) -> None:
    found = await places.villages(turn.session, turn.data["municipality_id"])
    if len(found) == 1:
        turn.go("onboarding", "quarter", village_id=found[0].id, page=0)
    else:
        _ask_place(turn, turn._("Which village do you live in?"), "v:", found)


async def on_village(turn: Turn) -> None:
    found = await places.villages(turn.session, turn.data["municipality_id"])
    if (village_id := _chosen_place(turn, "v:", found)) is not None:
        turn.go("onboarding", "quarter", village_id=village_id, page=0)


async def ask_quarter(turn: Turn) -> None:
    found = await places.quarters(turn.session, turn.data["village_id"])
    if len(found) == 1:
        await _do_settle(turn, found[0])
    else:
        _ask_place(turn, turn._("Which quarter do you live in?"), "q:", found)


async def on_quarter(turn: Turn) -> None:
    found = await places.quarters(turn.session, turn.data["village_id"])
    if (quarter_id := _chosen_place(turn, "q:", found)) is not None:
        await _do_settle(turn, await get_referenced(turn.session, Quarter, quarter_id))


async def _do_settle(turn: Turn, quarter: Quarter) -> None:
    person = turn.resident
    person.municipality_id, person.quarter_id = quarter.municipality_id, quarter.id
    village = await get_referenced(turn.session, Village, quarter.village_id)
    municipality = await get_referenced(turn.session, Municipality, quarter.municipality_id)
    language = turn.language
    turn.say(turn._("Thank you! Your address: {quarter}, {village}, {municipality}.",
                    quarter=pick(language, quarter.name_ky, quarter.name_ru),
                    village=pick(language, village.name_ky, village.name_ru),
                    municipality=pick(language, municipality.name_ky, municipality.name_ru)))
    turn.go(*turn.config.features.after_onboarding)


FLOW = Flow(
    name="onboarding",
    first="language",
    steps={
        "language": Step(ask_language, on_language),
        "consent": Step(ask_consent, on_consent),
        "declined": Step(ask_again_after_decline, on_declined),
        "municipality": Step(ask_municipality, on_municipality),
        "village": Step(ask_village, on_village),
        "quarter": Step(ask_quarter, on_quarter),
    },
)
