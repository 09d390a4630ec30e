"""``main.py admin numbers list|add|remove …``: staff keep a municipality's useful numbers.

    numbers list ALM
    numbers add ALM --ky "Суу түтүгү кызматынын диспетчери" --ru "Диспетчер водоканала" --phone "+996 312 12 34 56"
                    [--note-ky "24/7" --note-ru "круглосуточно"] [--position N]
    numbers remove ALM ID
"""

import argparse

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.engine.feature import MUNICIPALITY_CODE_HELP, AdminCommand
from handlers.numbers.models import UsefulNumber
from handlers.numbers.services import NumberInput, do_add_number, do_remove_number, numbers_of
from handlers.services.setup import municipality_by_code


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = __doc__
    actions = parser.add_subparsers(dest="action", required=True)
    listed = actions.add_parser("list", help="the municipality's numbers, with their ids")
    listed.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    add = actions.add_parser("add", help="add a number (at the end, or at --position)")
    add.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    add.add_argument("--ky", required=True, help="the name in Kyrgyz")
    add.add_argument("--ru", required=True, help="the name in Russian")
    add.add_argument("--phone", required=True, help="e.g. 103 or +996 312 12 34 56")
    add.add_argument("--note-ky", help="e.g. hours: Дүйшөмбү–Жума, 8:00–17:00")
    add.add_argument("--note-ru", help="e.g. hours: Пн–Пт, 8:00–17:00")
    add.add_argument("--position", type=int, help="place in the list, from 1 (default: last)")
    remove = actions.add_parser("remove", help="remove a number by its id (see list)")
    remove.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    remove.add_argument("id", type=int, help="the number's id (see list)")


def describe(number: UsefulNumber) -> str:
    line = f"#{number.id} [{number.position}] {number.phone}: {number.name_ky} / {number.name_ru}"
    return f"{line} ({number.note_ky} / {number.note_ru})" if number.note_ky else line


async def _run(session: AsyncSession, args: argparse.Namespace) -> str:
    municipality = await municipality_by_code(session, args.code)
    if args.action == "add":
        given = NumberInput(args.ky, args.ru, args.phone, args.note_ky, args.note_ru)
        number = await do_add_number(session, municipality, given, position=args.position)
        return f"{municipality.code}: added {describe(number)}"
    if args.action == "remove":
        number = await do_remove_number(session, municipality, args.id)
        return f"{municipality.code}: removed {describe(number)}"
    numbers = await numbers_of(session, municipality.id)
    if not numbers:
        return f"{municipality.code}: no useful numbers yet"
    return "\n".join([f"{municipality.code}: {len(numbers)} useful number(s)"] + [describe(n) for n in numbers])


ADMIN_COMMAND = AdminCommand(name="numbers", help="a municipality's useful phone numbers: list, add, remove",
                             arguments=_arguments, run=_run)
