"""A person's own data: what we keep, and erasing it (Law "On personal information")."""

from handlers.engine.flow import Flow, Step
from handlers.engine.prompts import explain_unexpected
from handlers.engine.turn import Turn
from handlers.envelope import Asks
from handlers.i18n import format_date, pick
from handlers.services.people import do_erase_person, personal_data_summary


async def ask_show(turn: Turn) -> None:
    summary = await personal_data_summary(turn.session, turn.resident)
    language = turn.language
    lines = [
        turn._("What we keep about you:"),
        turn._("Name: {name}", name=summary.display_name or "—"),
        turn._("Phone: {phone}", phone=summary.phone or "—"),
        turn._("Address: {address}", address=pick(language, *summary.address) if summary.address else "—"),
        turn._("Language: {language}", language="Кыргызча" if language == "ky" else "Русский"),
        turn.n_("{n} request", "{n} requests", summary.requests),
        turn._("Consent given: {date}", date=format_date(summary.consent_at.astimezone(turn.config.timezone).date(),
                                                         language) if summary.consent_at else "—"),
    ]
    options = [turn.option("erase", "🗑 Delete my data"), turn.option("menu", "◀ Main menu")]
    if not summary.phone:  # to be recognised on WhatsApp too
        options.insert(0, turn.option("phone", "📱 Share my phone number", asks=Asks.CONTACT))
    turn.ask("\n".join(lines), options)


async def on_show(turn: Turn) -> None:
    choice = turn.choice()
    if choice == "erase":
        turn.go("my_data", "confirm_erase")
    elif choice == "phone":  # chosen by number or words where no button can send a contact
        turn.say(turn._("To share your number, use 📎 (attach) → Contact and choose yourself."))
    elif choice == "menu":
        turn.go("menu", "main")
    else:
        explain_unexpected(turn)


async def ask_confirm_erase(turn: Turn) -> None:
    turn.ask(turn._("Delete your name, phone and address and withdraw your consent? Your requests stay in the "
                    "municipality's register of appeals, as the law requires, but without your contacts, "
                    "and you will no longer receive answers here."),
             [turn.option("erase:yes", "Yes, delete"), turn.option("erase:no", "No")])


async def on_confirm_erase(turn: Turn) -> None:
    choice = turn.choice()
    if choice == "erase:yes":
        await do_erase_person(turn.session, turn.resident, turn.now)
        turn.person = None
        turn.say(turn._("Your data is deleted. If you want to use the service again, send /start."))
        turn.go("onboarding", "declined")
    elif choice == "erase:no":
        turn.go("menu", "main")
    else:
        explain_unexpected(turn)


FLOW = Flow(name="my_data", first="show",
            steps={"show": Step(ask_show, on_show), "confirm_erase": Step(ask_confirm_erase, on_confirm_erase)})
