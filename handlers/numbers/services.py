"""Reading and editing a municipality's useful numbers; each function works in the caller's unit
of work and never commits. Bad input raises ``InvalidInput`` with a message staff can act on."""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import InvalidInput, NotFound
from handlers.numbers.models import NAME_MAX, NOTE_MAX, PHONE_MAX, UsefulNumber
from storage.models import Municipality

PHONE_CHARACTERS = re.compile(r"\+?[\d\s()\-]+")
PHONE_DIGITS_MIN, PHONE_DIGITS_MAX = 3, 15
COUNTRY_CODE = "996"


@dataclass(frozen=True)
class NumberInput:
    """What staff give for a new number, before it is checked."""

    name_ky: str
    name_ru: str
    phone: str
    note_ky: str | None = None
    note_ru: str | None = None


def check_phone(phone: str) -> tuple[str, str]:
    """The phone as written (trimmed) and its key; digits with an optional leading +, spaces, dashes
    and parentheses, 3 to 15 digits (103 as well as +996 312 12 34 56)."""
    written = " ".join(phone.split())
    if len(written) > PHONE_MAX:
        raise InvalidInput(f"a phone is at most {PHONE_MAX} characters: {phone!r}")
    if not PHONE_CHARACTERS.fullmatch(written):
        raise InvalidInput(f"a phone is digits with an optional leading +, spaces, dashes and parentheses: {phone!r}")
    digits = "".join(ch for ch in written if ch.isdigit())
    if not PHONE_DIGITS_MIN <= len(digits) <= PHONE_DIGITS_MAX:
        raise InvalidInput(f"a phone has {PHONE_DIGITS_MIN} to {PHONE_DIGITS_MAX} digits, not {len(digits)}: {phone!r}")
    if len(digits) == 10 and digits.startswith("0"):  # 0312 123456 is +996 312 123456
        digits = COUNTRY_CODE + digits[1:]
    return written, digits


def _trimmed(value: str | None, what: str, limit: int) -> str:
    text = " ".join((value or "").split())
    if len(text) > limit:
        raise InvalidInput(f"{what} is at most {limit} characters, not {len(text)}")
    return text


def check_name(value: str | None, what: str) -> str:
    """A name, trimmed; required."""
    name = _trimmed(value, what, NAME_MAX)
    if not name:
        raise InvalidInput(f"{what} is required")
    return name


def check_note(value: str | None, what: str) -> str | None:
    """An optional note (hours), trimmed; ``None`` when left empty."""
    return _trimmed(value, what, NOTE_MAX) or None


def check_number_input(given: NumberInput) -> NumberInput:
    """The input trimmed and checked: both names, a phone, a note in both languages or in none."""
    name_ky = check_name(given.name_ky, "the name in Kyrgyz (--ky)")
    name_ru = check_name(given.name_ru, "the name in Russian (--ru)")
    note_ky = check_note(given.note_ky, "the note in Kyrgyz (--note-ky)")
    note_ru = check_note(given.note_ru, "the note in Russian (--note-ru)")
    if (note_ky is None) != (note_ru is None):
        raise InvalidInput("give the note in both languages (--note-ky and --note-ru) or in none")
    phone, _key = check_phone(given.phone)
    return NumberInput(name_ky, name_ru, phone, note_ky, note_ru)


async def numbers_of(session: AsyncSession, municipality_id: int) -> list[UsefulNumber]:
    """The municipality's own numbers, in their order."""
    return list((await session.scalars(
        sa.select(UsefulNumber).where(UsefulNumber.municipality_id == municipality_id)
        .order_by(UsefulNumber.position, UsefulNumber.id))).all())


async def do_add_number(session: AsyncSession, municipality: Municipality, given: NumberInput, *,
                        position: int | None = None) -> UsefulNumber:
    """Adds a number at ``position`` (from 1; the ones from there move down) or at the end."""
    checked = check_number_input(given)
    phone, key = check_phone(checked.phone)
    existing = await numbers_of(session, municipality.id)
    twin = next((number for number in existing if number.phone_key == key), None)
    if twin is not None:
        raise InvalidInput(f"{municipality.code} already has {twin.phone} (#{twin.id}: {twin.name_ru})")
    end = len(existing) + 1
    if position is None:
        position = end
    elif not 1 <= position <= end:
        raise InvalidInput(f"a position is from 1 to {end}, not {position}")
    await _renumber(session, existing, skip=position)
    number = UsefulNumber(municipality_id=municipality.id, position=position, name_ky=checked.name_ky,
                          name_ru=checked.name_ru, phone=phone, phone_key=key,
                          note_ky=checked.note_ky, note_ru=checked.note_ru)
    session.add(number)
    await session.flush()
    return number


async def do_remove_number(session: AsyncSession, municipality: Municipality, number_id: int) -> UsefulNumber:
    """Removes one of the municipality's numbers; another municipality's is not found here."""
    number = await session.get(UsefulNumber, number_id)
    if number is None or number.municipality_id != municipality.id:
        raise NotFound(f"no useful number #{number_id} in {municipality.code}")
    await session.delete(number)
    await session.flush()
    await _renumber(session, await numbers_of(session, municipality.id))
    return number


async def _renumber(session: AsyncSession, numbers: list[UsefulNumber], *, skip: int | None = None) -> None:
    """Positions 1, 2, 3… in the given order, leaving ``skip`` free for a new number."""
    position = 1
    for number in numbers:
        if position == skip:
            position += 1
        number.position = position
        position += 1
    await session.flush()
