"""Composing an announcement: whom to (quarters, a village, the municipality), what kind,
in which languages, the text (or a photo with a caption); then the preview (confirm.py).

A person without a role that may send is refused politely, and the refusal is logged.
"""

import sqlalchemy as sa

from handlers.broadcasts.audience import SenderRights, sender_rights
from handlers.broadcasts.notice import EmptyNotice, NoticeTooLong, check_notice_text
from handlers.broadcasts.orders import do_audit
from handlers.engine.prompts import explain_unexpected, page_of, turned_page
from handlers.engine.turn import Turn
from handlers.envelope import InputKind, Option, Photo, bot_of
from handlers.outbox_payload import encode_photo
from storage.enums import BroadcastKind, Language
from storage.models import Quarter, Village

DONE = "done"


async def rights_or_refuse(turn: Turn) -> SenderRights | None:
    """The person's rights; without any, a polite refusal (logged) and back to the menu."""
    rights = await sender_rights(turn.session, turn.person)
    if rights is None:
        do_audit(turn.session, via=turn.identity.address, action="broadcast.open", now=turn.now, allowed=False,
                 municipality_id=turn.person.municipality_id if turn.person else None,
                 actor_person_id=turn.person.id if turn.person else None, detail={"reason": "no role"})
        turn.say(turn._("Only kvartalkom heads and municipal staff can send announcements."))
        turn.go("menu", "main")
    return rights


def _quarter_option(turn: Turn, quarter: Quarter, chosen: bool = False) -> Option:
    mark = "✅ " if chosen else ""
    return Option(f"q:{quarter.id}", mark + quarter.name_ky, mark + quarter.name_ru)


async def _quarters(turn: Turn, ids: tuple[int, ...] | None, municipality_id: int) -> list[Quarter]:
    query = sa.select(Quarter).where(Quarter.municipality_id == municipality_id)
    if ids is not None:
        query = query.where(Quarter.id.in_(ids))
    return list((await turn.session.scalars(query.order_by(Quarter.village_id, Quarter.sort, Quarter.id))).all())


async def ask_scope(turn: Turn) -> None:
    rights = await rights_or_refuse(turn)
    if rights is None:
        return
    if not rights.whole_municipality:
        if len(rights.quarter_ids) == 1:
            turn.go("broadcast", "kind", quarters=list(rights.quarter_ids))
            return
        options = [turn.option("mine", "All my quarters")]
        options += [_quarter_option(turn, q) for q in await _quarters(turn, rights.quarter_ids, rights.municipality_id)]
        turn.ask(turn._("Whom is the announcement for?"), options)
        return
    villages = (await turn.session.scalars(sa.select(Village).where(Village.municipality_id == rights.municipality_id)
                                           .order_by(Village.sort, Village.id))).all()
    options = [turn.option("all", "🏘 The whole municipality")]
    options += [Option(f"v:{v.id}", v.name_ky, v.name_ru) for v in villages]
    options.append(turn.option("pick", "Choose quarters"))
    turn.ask(turn._("Whom is the announcement for?"), options)


async def on_scope(turn: Turn) -> None:
    rights = await rights_or_refuse(turn)
    if rights is None:
        return
    choice = turn.choice() or ""
    if choice == "all" and rights.whole_municipality:
        turn.go("broadcast", "kind", quarters=None)
    elif choice == "mine":
        turn.go("broadcast", "kind", quarters=list(rights.quarter_ids))
    elif choice.startswith("q:"):
        turn.go("broadcast", "kind", quarters=[int(choice[2:])])
    elif choice.startswith("v:"):
        ids = (await turn.session.scalars(sa.select(Quarter.id).where(Quarter.village_id == int(choice[2:])))).all()
        turn.go("broadcast", "kind", quarters=sorted(ids))
    elif choice == "pick":
        turn.go("broadcast", "quarters", quarters=[], page=0)
    else:
        explain_unexpected(turn)


async def ask_quarters(turn: Turn) -> None:
    rights = await rights_or_refuse(turn)
    if rights is None:
        return
    chosen = set(turn.data.get("quarters") or [])
    every = await _quarters(turn, None if rights.whole_municipality else rights.quarter_ids, rights.municipality_id)
    options = page_of([_quarter_option(turn, q, q.id in chosen) for q in every], turn.data.get("page", 0),
                      turn.config.page_size, turn)
    if chosen:
        options.insert(0, turn.option(DONE, "✔ Done ({n} chosen)", n=len(chosen)))
    turn.ask(turn._("Choose the quarters (press again to remove one), then «Done»."), options)


async def on_quarters(turn: Turn) -> None:
    choice = turn.choice()
    if turned_page(turn, choice):
        return
    chosen = list(turn.data.get("quarters") or [])
    if choice == DONE and chosen:
        turn.go("broadcast", "kind", quarters=sorted(chosen))
    elif choice and choice.startswith("q:"):
        quarter = int(choice[2:])
        turn.update(quarters=[q for q in chosen if q != quarter] if quarter in chosen else chosen + [quarter])
    else:
        explain_unexpected(turn)


async def ask_kind(turn: Turn) -> None:
    rights = await rights_or_refuse(turn)
    if rights is None:
        return
    options = [turn.option(BroadcastKind.ORDINARY.value, "📢 An announcement"),
               turn.option(BroadcastKind.MEETING.value, "📅 An invitation to a meeting")]
    if rights.may_send_emergencies:
        options.append(turn.option(BroadcastKind.EMERGENCY.value, "🚨 An emergency (flood, water cut, mudflow)"))
    turn.ask(turn._("What kind of notice is it?"), options)


async def on_kind(turn: Turn) -> None:
    choice = turn.choice()
    if choice is None:
        explain_unexpected(turn)
        return
    turn.update(kind=choice)
    turn.go("broadcast", "languages")


async def ask_languages(turn: Turn) -> None:
    turn.ask(turn._("In which language will you write?"),
             [turn.option("one", "One text for everybody"),
              turn.option("both", "Two texts: Kyrgyz and Russian (each resident gets their own)")])


async def on_languages(turn: Turn) -> None:
    choice = turn.choice()
    if choice not in ("one", "both"):
        explain_unexpected(turn)
        return
    turn.update(both=choice == "both", text_ky=None, text_ru=None, photo=None)
    turn.go("broadcast", "text_ky" if choice == "both" else "text")


def _ask_text(turn: Turn, question: str) -> None:
    turn.ask(question + "\n" + turn._("Send the text, or a photo with the text as its caption."))


async def ask_text(turn: Turn) -> None:
    _ask_text(turn, turn._("Write the notice."))


async def ask_text_ky(turn: Turn) -> None:
    _ask_text(turn, turn._("Write the notice in Kyrgyz."))


async def ask_text_ru(turn: Turn) -> None:
    turn.ask(turn._("Now write the same notice in Russian (text only)."))


def _take_text(turn: Turn, *, photo_allowed: bool) -> str | None:
    """The checked text of this turn (and its photo, kept in the dialog); None after explaining why not."""
    photo = None
    if turn.kind == InputKind.PHOTO and photo_allowed and turn.message.attachments:
        photo = encode_photo(Photo(turn.message.attachments[0].ref, turn.identity.channel,
                                   bot_of(turn.identity.address)))
    elif turn.kind != InputKind.TEXT:
        explain_unexpected(turn)
        return None
    has_photo = photo is not None or bool(turn.data.get("photo"))
    try:
        text = check_notice_text(turn.message.text, with_photo=has_photo)
    except EmptyNotice:
        turn.say(turn._("The notice is empty. Please write what residents should know."))
        return None
    except NoticeTooLong as error:
        if error.with_photo:
            turn.say(turn._("With a photo the text can have at most {limit} characters, and it has {length}. "
                            "Please shorten it, or send the text without the photo.",
                            limit=error.limit, length=error.length))
        else:
            turn.say(turn._("The notice has {length} characters, at most {limit} fit in one message. "
                            "Please shorten it or split it into two notices.", limit=error.limit, length=error.length))
        return None
    if photo is not None:
        turn.update(photo=photo)
    return text


async def on_text(turn: Turn) -> None:
    text = _take_text(turn, photo_allowed=True)
    if text is not None:
        field = "text_ky" if turn.language == Language.KY else "text_ru"
        turn.update(**{field: text})
        turn.go("broadcast", "preview")


async def on_text_ky(turn: Turn) -> None:
    text = _take_text(turn, photo_allowed=True)
    if text is not None:
        turn.update(text_ky=text)
        turn.go("broadcast", "text_ru")


async def on_text_ru(turn: Turn) -> None:
    text = _take_text(turn, photo_allowed=False)
    if text is not None:
        turn.update(text_ru=text)
        turn.go("broadcast", "preview")
