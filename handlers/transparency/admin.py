"""``main.py admin apikey …`` and ``main.py admin public …``: Open311 clients and what a municipality publishes.

    apikey add ALM --name "Civic app"      prints the key once (only its hash is kept)
    apikey list ALM
    apikey revoke ALM ID
    public show ALM
    public descriptions ALM anonymised|none
    public licence ALM "CC BY 4.0, Аламүдүн айыл өкмөтү"
    public channel ALM telegram:<bot id>:<chat id> | none
    public centre ALM QUARTER_ID 42.88,74.62
"""

import argparse

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.engine.feature import MUNICIPALITY_CODE_HELP, AdminCommand
from handlers.errors import InvalidInput
from handlers.services.setup import municipality_by_code
from handlers.transparency import settings
from handlers.transparency.keys import clients_of, do_add_client, do_revoke_client
from handlers.transparency.models import Open311Client
from storage.types import utcnow


def _apikey_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = __doc__
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="a new client; its key is printed once")
    add.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    add.add_argument("--name", required=True, help="who uses the key, e.g. the app's name")
    actions.add_parser("list", help="the municipality's clients").add_argument("code", help=MUNICIPALITY_CODE_HELP)
    revoke = actions.add_parser("revoke", help="refuse a client's key from now on")
    revoke.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    revoke.add_argument("id", type=int, help="the client's id (see list)")


def _describe(client: Open311Client) -> str:
    state = f"revoked {client.revoked_at:%Y-%m-%d %H:%M} UTC" if client.revoked_at else "active"
    return f"#{client.id} {client.name} ({state}, since {client.created_at:%Y-%m-%d})"


async def _run_apikey(session: AsyncSession, args: argparse.Namespace) -> str:
    municipality = await municipality_by_code(session, args.code)
    if args.action == "add":
        client, key = await do_add_client(session, municipality, args.name, utcnow())
        return (f"{municipality.code}: Open311 client {_describe(client)}\n"
                f"API key (shown once, keep it safe): {key}")
    if args.action == "revoke":
        client = await do_revoke_client(session, municipality, args.id, utcnow())
        return f"{municipality.code}: {_describe(client)}"
    clients = await clients_of(session, municipality.id)
    if not clients:
        return f"{municipality.code}: no Open311 clients"
    return "\n".join([f"{municipality.code}: {len(clients)} Open311 client(s)"] + [_describe(c) for c in clients])


def _public_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = __doc__
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("show", help="what the municipality publishes").add_argument("code", help=MUNICIPALITY_CODE_HELP)
    descriptions = actions.add_parser("descriptions", help="publish descriptions anonymised, or none")
    descriptions.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    descriptions.add_argument("choice", choices=["anonymised", "none"],
                              help="anonymised: names, phones and ПИН removed; none: no descriptions")
    licence = actions.add_parser("licence", help="the open data's licence line")
    licence.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    licence.add_argument("text", help="the licence line, e.g. \"CC BY 4.0, Аламүдүн айыл өкмөтү\"")
    channel = actions.add_parser("channel", help="the public Telegram channel for the weekly digest")
    channel.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    channel.add_argument("address", help="telegram:<bot id>:<chat id>, or none")
    centre = actions.add_parser("centre", help="a quarter's centre, shown instead of residents' pins")
    centre.add_argument("code", help=MUNICIPALITY_CODE_HELP)
    centre.add_argument("quarter", type=int, help="the quarter's id (see admin show)")
    centre.add_argument("point", help="latitude,longitude")


async def _run_public(session: AsyncSession, args: argparse.Namespace) -> str:
    municipality = await municipality_by_code(session, args.code)
    if args.action == "descriptions":
        await settings.do_set_descriptions(session, municipality, args.choice == "anonymised")
    elif args.action == "licence":
        await settings.do_set_licence(session, municipality, args.text)
    elif args.action == "channel":
        await settings.do_set_channel(session, municipality, None if args.address == "none" else args.address)
    elif args.action == "centre":
        try:
            latitude, longitude = (float(part) for part in args.point.split(","))
        except ValueError:
            raise InvalidInput("a point is latitude,longitude, e.g. 42.88,74.62") from None
        quarter = await settings.do_set_quarter_centre(session, municipality, args.quarter, latitude, longitude)
        return f"{municipality.code}: quarter #{quarter.id} {quarter.name_ru}: centre {latitude},{longitude}"
    await session.flush()
    chosen = await settings.public_settings(session, municipality.id)
    return (f"{municipality.code}: descriptions {'anonymised' if chosen.show_descriptions else 'none'}; "
            f"licence: {chosen.licence or '-'}; channel: {chosen.channel or '-'}")


ADMIN_COMMANDS = (
    AdminCommand(name="apikey", help="Open311 clients' API keys: add (printed once), list, revoke",
                 arguments=_apikey_arguments, run=_run_apikey),
    AdminCommand(name="public", help="what a municipality publishes: descriptions, licence, channel, quarter centres",
                 arguments=_public_arguments, run=_run_public),
)
