"""The administrator's command line: `python main.py admin …`.

    load-demo
    municipality add ALM --ky "Аламүдүн айыл өкмөтү" --ru "Аламудунский айыл окмоту" [--center 42.88,74.63 --radius 12]
    show ALM                                   villages, quarters (with ids), departments, categories, staff
    village add ALM --ky … --ru …
    quarter add ALM --village ID --ky … --ru …
    department add ALM water --kind enterprise --ky … --ru …
    category add ALM water --ky … --ru … --department water
    route add ALM lighting --quarter ID --department general
    staff add ALM --role department_staff --department water (--phone +996… | --address telegram:BOT:CHAT) [--name …]
    staff invite ALM --role department_staff --department water --name "Нурлан Суу" [--language ru]
                                               an invitation: a Telegram deep link and a code for WhatsApp
    holiday add 2026-12-31 --ky … --ru …
    account add --login bakyt (--phone +996… | --person ID) [--language ky|ru]   password asked (or one stdin line)
    account password --login bakyt                                           a new password; unlocks, ends sessions
    request status ALM ALM-2026-000001 in_review [--note …]
    request answer ALM ALM-2026-000001 "text of the answer"
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa

from handlers.demo import do_load_demo
from handlers.engine.feature import MUNICIPALITY_CODE_HELP
from handlers.envelope import Capabilities
from handlers.errors import KairylError
from handlers.features import FEATURE_SET, core_config
from handlers.invitations.service import INVITED_ROLES, do_invite_staff
from handlers.services import requests as request_service
from handlers.services import setup
from handlers.services.codes import LIFETIME
from handlers.services.merge import do_merge_request
from handlers.staff import accounts
from handlers.staff.actions import do_offer_rating
from handlers.staff.cards import do_refresh_cards
from storage.db import Database
from storage.enums import Channel, CodePurpose, DepartmentKind, Language, RequestStatus, Role
from storage.models import Category, Department, Person, Quarter, RoleGrant, Village
from storage.types import utcnow

if TYPE_CHECKING:
    from bot.invitation_links import InvitationWays

log = logging.getLogger(__name__)
INVITATION_DAYS = LIFETIME[CodePurpose.INVITATION].days


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py admin", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = parser.add_subparsers(dest="what", required=True, metavar="COMMAND")
    sub.add_parser("load-demo", help="create the demo municipality (Alamudun, ALM) if it is not there")
    show = sub.add_parser("show", help="a municipality's villages, quarters (with ids), departments, categories, staff")
    show.add_argument("code", help=MUNICIPALITY_CODE_HELP)

    def names(p: argparse.ArgumentParser) -> None:
        p.add_argument("--ky", required=True, help="the name in Kyrgyz")
        p.add_argument("--ru", required=True, help="the name in Russian")

    def actions(name: str, help: str) -> argparse._SubParsersAction:
        return sub.add_parser(name, help=help).add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions("municipality", "add a municipality").add_parser("add", help="a new municipality")
    add.add_argument("code", help="its short code, 2 to 8 letters or digits, e.g. ALM (used in ticket numbers)")
    names(add)
    add.add_argument("--center", type=_point, metavar="LAT,LON", help="the centre, e.g. 42.88,74.63")
    add.add_argument("--radius", type=float, metavar="KM", help="km from the centre that still counts as inside")
    add = actions("village", "add a village").add_parser("add", help="a new village of a municipality")
    add.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    names(add)
    add = actions("quarter", "add a quarter").add_parser("add", help="a new quarter of a village")
    add.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    add.add_argument("--village", type=int, required=True, metavar="ID", help="the village's id (see `show`)")
    names(add)
    department = actions("department", "add a department or enterprise, link its staff group")
    add = department.add_parser("add", help="a new department or municipal enterprise")
    add.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    add.add_argument("department", help="its code, e.g. water")
    add.add_argument("--kind", choices=[k.value for k in DepartmentKind], default="department",
                     help="a department of the aiyl okmotu or a municipal enterprise")
    names(add)
    chat = department.add_parser("chat", help="link the department's staff group (the bot tells its address)")
    chat.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    chat.add_argument("department", help="the department's code")
    chat.add_argument("address", help="e.g. telegram:123456:-1001234567890; 'none' unlinks")
    chat.add_argument("--language", choices=[x.value for x in Language], default="ky",
                      help="the language the bot speaks in the group")
    add = actions("category", "add a request category").add_parser("add", help="a new category of requests")
    add.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    add.add_argument("category", help="its code, e.g. water")
    add.add_argument("--department", help="the department that receives it by default (its code)")
    names(add)
    add = actions("route", "route a category to another department in one quarter").add_parser(
        "add", help="a quarter-specific department for a category")
    add.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    add.add_argument("category", help="the category's code")
    add.add_argument("--quarter", type=int, required=True, metavar="ID", help="the quarter's id (see `show`)")
    add.add_argument("--department", required=True, help="the department's code")
    staff = actions("staff", "give a person a staff role, or invite a new staff member")
    invite = staff.add_parser("invite", help="a new staff member with a role, and their one-time invitation")
    invite.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    invite.add_argument("--role", choices=[r.value for r in INVITED_ROLES], required=True, help="what the person does")
    invite.add_argument("--name", required=True, help="the person's name as staff see it")
    invite.add_argument("--department", help="for department staff: the department's code")
    invite.add_argument("--quarter", type=int, metavar="ID", help="for a kvartalkom head: the quarter's id")
    invite.add_argument("--language", choices=[x.value for x in Language], default="ky",
                        help="the language the bot speaks with the person")
    add = staff.add_parser("add", help="a staff role for a person")
    add.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    add.add_argument("--role", choices=[r.value for r in Role], required=True, help="what the person does")
    add.add_argument("--phone", help="the person's phone, +996…; they share it with the bot to be recognised")
    add.add_argument("--address", help="a channel address, e.g. telegram:BOT:CHAT")
    add.add_argument("--name", help="the person's name as staff see it")
    add.add_argument("--department", help="for department staff: the department's code")
    add.add_argument("--quarter", type=int, metavar="ID", help="for a kvartalkom head: the quarter's id")
    add = actions("holiday", "add a public holiday").add_parser("add", help="a day off deadlines skip")
    add.add_argument("day", type=_day, help="YYYY-MM-DD")
    names(add)
    account = actions("account", "back office logins")
    add = account.add_parser("add", help="a web back office login for a person who holds a staff role")
    add.add_argument("--login", required=True, help="the login name")
    add.add_argument("--phone", help="the person's phone, +996…")
    add.add_argument("--person", type=int, metavar="ID", help="or the person's id")
    add.add_argument("--language", choices=[language.value for language in Language], default=Language.KY.value,
                     help="the back office's language for this person")
    account.add_parser("password", help="set a new password").add_argument("--login", required=True,
                                                                              help="the login name")
    request = actions("request", "change a request's status, answer it or merge a duplicate")
    status = request.add_parser("status", help="move a request to another status")
    status.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    status.add_argument("ticket", help="e.g. ALM-2026-000001")
    status.add_argument("status", choices=[s.value for s in RequestStatus], help="the new status")
    status.add_argument("--note", help="a note the resident reads")
    answer = request.add_parser("answer", help="record the answer; the resident is told")
    answer.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    answer.add_argument("ticket", help="e.g. ALM-2026-000001")
    answer.add_argument("text", help="the answer's text")
    merge = request.add_parser("merge", help="merge a duplicate into another open request: its residents follow "
                                             "that one; both sets of residents are told")
    merge.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    merge.add_argument("ticket", help="the duplicate, e.g. ALM-2026-000002")
    merge.add_argument("into", help="the request it goes into, e.g. ALM-2026-000001")
    for command in FEATURE_SET.admin_commands:  # the features' own
        command.arguments(sub.add_parser(command.name, help=command.help))
    return parser


def _point(text: str) -> tuple[float, float]:
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not LAT,LON, e.g. 42.88,74.63") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise argparse.ArgumentTypeError(f"{text!r} is not on the Earth")
    return lat, lon


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


async def _department(session, municipality_id: int, code: str | None) -> Department | None:
    if code is None:
        return None
    found = (await session.execute(sa.select(Department).where(
        Department.municipality_id == municipality_id, Department.code == code))).scalar_one_or_none()
    if found is None:
        raise KairylError(f"no department {code!r} in this municipality")
    return found


async def _quarter(session, municipality_id: int, quarter_id: int | None) -> Quarter | None:
    if quarter_id is None:
        return None
    found = await session.get(Quarter, quarter_id)
    if found is None or found.municipality_id != municipality_id:
        raise KairylError(f"no quarter {quarter_id} in this municipality")
    return found


async def _show(session, code: str) -> str:
    municipality = await setup.municipality_by_code(session, code)
    lines = [f"{municipality.code}: {municipality.name_ky} / {municipality.name_ru}"]
    for village in (await session.scalars(sa.select(Village).where(Village.municipality_id == municipality.id))).all():
        lines.append(f"  village {village.id}: {village.name_ky} / {village.name_ru}")
        quarters = (await session.scalars(sa.select(Quarter).where(Quarter.village_id == village.id))).all()
        lines += [f"    quarter {q.id}: {q.name_ky} / {q.name_ru}" for q in quarters]
    departments = (await session.scalars(
        sa.select(Department).where(Department.municipality_id == municipality.id))).all()
    lines += [f"  department {d.code} ({d.kind.value}): {d.name_ky} / {d.name_ru}" for d in departments]
    categories = (await session.scalars(sa.select(Category).where(Category.municipality_id == municipality.id))).all()
    lines += [f"  category {c.code}: {c.name_ky} / {c.name_ru}" for c in categories]
    grants = (await session.scalars(sa.select(RoleGrant).where(RoleGrant.municipality_id == municipality.id))).all()
    lines += [f"  staff person {g.person_id}: {g.role.value}" for g in grants]
    return "\n".join(lines)


async def _invite(session, municipality, args: argparse.Namespace, ways: InvitationWays | None) -> str:
    """Through the same service as the back office's staff page; the code is printed once, never stored."""
    invitation = await do_invite_staff(
        session, municipality, Role(args.role), name=args.name, language=Language(args.language), now=utcnow(),
        by_person_id=None, department=await _department(session, municipality.id, args.department),
        quarter=await _quarter(session, municipality.id, args.quarter))
    found = await ways(municipality.code, invitation.code) if ways is not None else {}
    lines = [f"person {invitation.person.id} invited as {args.role} in {municipality.code}; send them this "
             f"(it works once, for {INVITATION_DAYS} days, and is shown only now):", f"  code: {invitation.code}"]
    if Channel.TELEGRAM in found:
        lines.append(f"  Telegram: {found[Channel.TELEGRAM]}")
    if Channel.WHATSAPP in found:
        lines.append(f"  WhatsApp: send the code to {found[Channel.WHATSAPP]}")
    return "\n".join(lines)


async def _run(session, args: argparse.Namespace, ways: InvitationWays | None = None) -> str:
    for command in FEATURE_SET.admin_commands:
        if args.what == command.name:
            return await command.run(session, args)
    if args.what == "load-demo":
        return "demo municipality loaded" if await do_load_demo(session) else "the demo municipality already exists"
    if args.what == "holiday":
        await setup.do_add_holiday(session, args.day, args.ky, args.ru)
        return f"holiday {args.day} added"
    if args.what == "municipality":
        created = await setup.do_create_municipality(session, args.code, args.ky, args.ru, center=args.center,
                                                     radius_km=args.radius)
        return f"municipality {created.code} added (id {created.id})"
    if args.what == "account":
        return await _account(session, args)
    municipality = await setup.municipality_by_code(session, args.code)
    if args.what == "show":
        return await _show(session, args.code)
    if args.what == "village":
        village = await setup.do_add_village(session, municipality, args.ky, args.ru)
        return f"village {village.id} added"
    if args.what == "quarter":
        village = await session.get(Village, args.village)
        if village is None or village.municipality_id != municipality.id:
            raise KairylError(f"no village {args.village} in {municipality.code}")
        return f"quarter {(await setup.do_add_quarter(session, village, args.ky, args.ru)).id} added"
    if args.what == "department" and args.action == "chat":
        department = await _department(session, municipality.id, args.department)
        address = None if args.address == "none" else args.address
        await setup.do_link_staff_chat(session, department, address, Language(args.language), capabilities())
        return f"department {department.code}: staff chat {address or 'unlinked'}"
    if args.what == "department":
        department = await setup.do_add_department(session, municipality, args.department,
                                                   DepartmentKind(args.kind), args.ky, args.ru)
        return f"department {department.code} added"
    if args.what == "category":
        department = await _department(session, municipality.id, args.department)
        category = await setup.do_add_category(session, municipality, args.category, args.ky, args.ru, department)
        return f"category {category.code} added"
    if args.what == "route":
        category = (await session.execute(sa.select(Category).where(
            Category.municipality_id == municipality.id, Category.code == args.category))).scalar_one_or_none()
        if category is None:
            raise KairylError(f"no category {args.category!r} in {municipality.code}")
        await setup.do_add_route(session, category, await _quarter(session, municipality.id, args.quarter),
                                 await _department(session, municipality.id, args.department))
        return "route added"
    if args.what == "staff" and args.action == "invite":
        return await _invite(session, municipality, args, ways)
    if args.what == "staff":
        person = await setup.do_find_or_add_person(session, phone=args.phone, address=args.address, name=args.name)
        await setup.do_grant_role(session, person, municipality, Role(args.role),
                                  department=await _department(session, municipality.id, args.department),
                                  quarter=await _quarter(session, municipality.id, args.quarter))
        return f"person {person.id} is now {args.role} in {municipality.code}"
    request = await request_service.request_by_ticket(session, municipality.id, args.ticket)
    if args.action == "status":
        status, now = RequestStatus(args.status), utcnow()
        await request_service.do_change_request_status(session, request, status, actor_person_id=None,
                                                       note=args.note, now=now)
        if status == RequestStatus.RESOLVED:  # whatever resolved it, the resident is offered the rating
            request.closed_at = now
            await do_offer_rating(session, core_config(capabilities=capabilities()), request, now)
        return f"{request.ticket}: {args.status}; the resident will be told"
    if args.action == "merge":
        target, now = await request_service.request_by_ticket(session, municipality.id, args.into), utcnow()
        joined = await do_merge_request(session, request, target, actor_person_id=None, now=now)
        await do_refresh_cards(session, request, now)
        await do_refresh_cards(session, target, now)
        return (f"{request.ticket} merged into {target.ticket}: {joined} more resident(s) follow it; "
                "both sides will be told")
    await request_service.do_answer_request(session, request, args.text, actor_person_id=None, now=utcnow())
    return f"{request.ticket}: answer recorded; the resident will be told"


def _read_password() -> str:
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise KairylError("the two passwords differ")
        return password
    return sys.stdin.readline().rstrip("\n")


async def _account(session, args: argparse.Namespace) -> str:
    if args.action == "password":
        account = await accounts.account_by_login(session, args.login)
        await accounts.do_set_password(session, account, _read_password())
        return f"account {account.login}: password set, sessions ended"
    if args.person is not None:
        person = await session.get(Person, args.person)
        if person is None:
            raise KairylError(f"no person {args.person}")
    elif args.phone:
        person = await setup.do_find_or_add_person(session, phone=args.phone)
    else:
        raise KairylError("give --phone or --person")
    account = await accounts.do_create_account(session, person, args.login, _read_password(), Language(args.language))
    return f"account {account.login} added for person {person.id}"


async def run_admin(argv: list[str], open_db: Callable[[], Awaitable[Database]],
                    ways: InvitationWays | None = None) -> int:
    """Runs one admin command; a mistake gets one line on stderr and exit code 2 (as argparse's own)."""
    args = _parser().parse_args(argv)
    db = await open_db()
    try:
        async with db.transaction() as session:
            print(await _run(session, args, ways))
        return 0
    except KairylError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except sa.exc.IntegrityError as error:  # a rule of the schema the services do not check first
        log.info("admin command refused by the database: %s", error)
        print("error: this conflicts with what is already stored (a duplicate or a missing reference)",
              file=sys.stderr)
        return 2
    finally:
        await db.dispose()


async def run_admin_with_links(argv: list[str], settings, open_db: Callable[[], Awaitable[Database]]) -> int:
    """run_admin with the invitations' ways (deep link, WhatsApp number) from the settings' messengers,
    for the one command that prints them (the others start without the messengers' client code)."""
    args, _rest = _parser().parse_known_args(argv)
    if (getattr(args, "what", None), getattr(args, "action", None)) != ("staff", "invite"):
        return await run_admin(argv, open_db)
    from bot.invitation_links import invitation_ways_of

    async with invitation_ways_of(settings) as ways:
        return await run_admin(argv, open_db, ways)


def capabilities() -> Mapping[Channel, Capabilities]:
    """What each messenger can show (buttons, lengths): read from its adapter, imported when needed."""
    from bot.channels import CAPABILITIES

    return CAPABILITIES
