"""The bot's side of an invitation: ``/start <code>`` (a Telegram deep link) or the code typed on
WhatsApp binds the address to the staff record and says, in the person's language, what the role
can do. Taken before onboarding: the person may write to the bot for the first time."""

from handlers.engine.turn import Turn
from handlers.envelope import InputKind
from handlers.i18n import N_, both, gettext, pick
from handlers.invitations.service import do_redeem
from handlers.services import codes
from storage.enums import CodePurpose, Role

WELCOME = N_("Welcome, {name}! Invitation from {municipality}: this messenger is now linked to your staff record.")
REFUSED = N_("This invitation link does not work: it has expired, was already used, or is mistyped. "
             "Please ask the administrator for a new one.")
WHAT_ROLE_DOES = {
    Role.HEAD: N_("As the head you see every request of the municipality, get the overdue ones and the "
                  "morning digest, and can answer, forward and close requests."),
    Role.ADMIN: N_("As an administrator you set up the municipality in the back office: villages, quarters, "
                   "departments, categories, staff and their roles."),
    Role.DEPARTMENT_STAFF: N_("As department staff you receive your department's requests in its staff group "
                              "and in the back office: take them, answer the resident, forward or close them."),
    Role.KVARTALKOM: N_("As the kvartalkom head you see the requests of your quarter and send announcements "
                        "to its residents (/broadcast)."),
    Role.LAWYER: N_("As a lawyer you take legal questions in the lawyers' group and in the back office."),
    Role.COORDINATOR: N_("As the coordinator of an initiative group you approve members and send the group's "
                         "notices («My initiative group» in the menu)."),
}


def _code_in(turn: Turn) -> str | None:
    incoming = turn.incoming
    if incoming is None or incoming.kind != InputKind.TEXT or not incoming.text:
        return None
    text = incoming.text.strip()
    if text.casefold().startswith("/start "):  # the Telegram deep link's parameter
        text = text[len("/start "):].strip()
    return text if codes.looks_like_code(text, CodePurpose.INVITATION) else None


async def take_invitation(turn: Turn) -> bool:
    code = _code_in(turn)
    if code is None:
        return False
    redeemed = await do_redeem(turn.session, turn.identity, code, turn.now)
    if redeemed is None:
        turn.say(turn._(REFUSED) if turn.conversation.language else "\n\n".join(both(REFUSED)))
        return True
    person, municipality = redeemed.person, redeemed.municipality
    turn.person = person
    language = person.language
    if turn.conversation.language is None:
        turn.conversation.language = language
    name = pick(language, municipality.name_ky, municipality.name_ru_genitive or municipality.name_ru)
    lines = [gettext(language, WELCOME, name=person.display_name or "", municipality=name)]
    lines += [gettext(language, WHAT_ROLE_DOES[role]) for role in redeemed.roles if role in WHAT_ROLE_DOES]
    turn.say("\n\n".join(lines))
    return True
