"""WhatsApp's native choices (issue 16): list pickers and quick replies through Twilio's Content API,
made once per shape and kept in the database, answered by their ids; numbered lines where they do
not fit or the Content API is down."""

import json

import pytest
import sqlalchemy as sa
from aiohttp import ClientSession, encode_basic_auth

from bot.whatsapp.content import LIST_PICKER, QUICK_REPLY, interactive
from bot.whatsapp.parse import form_to_incoming
from handlers.envelope import Asks, InputKind, Option, Reply
from storage.enums import Language
from storage.models import Request, WhatsAppContent
from tests.test_whatsapp_e2e import PHONE, SID, TOKEN, start_service, submit_request, twilio, user_of  # noqa: F401


def options(*labels: str) -> list[Option]:
    return [Option(f"v{n}", label, label) for n, label in enumerate(labels)]


def test_up_to_three_short_choices_are_quick_replies_with_our_payloads_as_ids():
    shape = interactive(Reply("Тилди тандаңыз.", options("Кыргызча", "Русский"), nonce=7, language=Language.KY))
    assert shape is not None and (shape.kind, shape.choices, shape.body_parts) == (QUICK_REPLY, 2, 1)
    assert shape.variables == {"1": "Тилди тандаңыз.", "2": "Кыргызча", "3": "7:v0", "4": "Русский", "5": "7:v1"}


def test_more_choices_or_longer_titles_make_a_list_with_a_button_in_the_language():
    shape = interactive(Reply("Категория?", options(*(f"Категория {n}" for n in range(10))), nonce=1,
                              language=Language.RU))
    assert shape is not None and (shape.kind, shape.choices) == (LIST_PICKER, 10)
    assert shape.variables["2"] == "Выбрать" and shape.variables["3"] == "Категория 0"
    two_long = interactive(Reply("?", options("Жарык жок, зым үзүлгөн", "Жок"), nonce=1, language=Language.KY))
    assert two_long is not None and two_long.kind == LIST_PICKER and two_long.variables["2"] == "Тандаңыз"


@pytest.mark.parametrize("reply", [
    Reply("Too many", options(*(f"o{n}" for n in range(11))), nonce=1),
    Reply("Too long", options("Бул вариант жыйырма төрт белгиден узунураак"), nonce=1),
    Reply("Same titles", options("Ооба", "Ооба"), nonce=1),
    Reply("No nonce", options("Ооба", "Жок")),
    Reply("x" * 1025, options("Ооба", "Жок"), nonce=1),
])
def test_what_does_not_fit_goes_as_numbered_lines(reply):
    assert interactive(reply) is None


def test_a_long_body_goes_in_parts_and_a_location_button_is_left_to_the_text():
    text = "ы" * 600
    choices = [Option("skip", "Skip", "Skip"), Option("here", "📍", "📍", asks=Asks.LOCATION)]
    shape = interactive(Reply(text, choices, nonce=2, language=Language.KY))
    assert shape is not None and shape.body_parts == 3 and shape.choices == 1
    assert "".join(shape.variables[n] for n in "123") == text and shape.variables["5"] == "2:skip"
    assert shape.shape == "quick-reply:1x3"


@pytest.mark.parametrize("form, option, text", [
    ({"ListId": "5:water", "ListTitle": "Суу", "Body": "Суу", "MessageType": "interactive"}, "5:water", None),
    ({"ButtonPayload": "5:yes", "ButtonText": "Ооба", "Body": "Ооба", "MessageType": "button"}, "5:yes", None),
    ({"ListId": "menu-3", "ListTitle": "Суу", "Body": "Суу"}, None, "Суу"),
])
def test_a_tapped_item_or_button_is_the_option_its_id_names(form, option, text):
    base = {"From": "whatsapp:" + PHONE, "WaId": PHONE[1:], "MessageSid": "SM" + "0" * 32, "NumMedia": "0"}
    incoming = form_to_incoming({**base, **form})
    assert (incoming.option, incoming.text) == (option, text)
    assert incoming.kind == (InputKind.OPTION if option else InputKind.TEXT)


async def test_a_first_request_by_taps_makes_each_shape_once_and_a_restart_makes_none(db_url, twilio,
                                                                                    unused_tcp_port):
    service = await start_service(db_url, twilio, unused_tcp_port)
    service.port = unused_tcp_port
    try:
        user = user_of(service, twilio)
        body = await submit_request(user, "Кыргызча")
        assert "Кайрылууңуз катталды" in body
        sent = twilio.sent_to(PHONE)
        natives = [twilio.rendered[m["sid"]] for m in sent if m["sid"] in twilio.rendered]
        assert {each["type"] for each in natives} == {LIST_PICKER, QUICK_REPLY}
        assert all("\n1. " not in m["body"] for m in sent if m["sid"] in twilio.rendered)
        tapped = [form for form in twilio.posted if form.get("ListId") or form.get("ButtonPayload")]
        assert tapped, "the resident answered by tapping"
        shapes = [request["friendly_name"] for request in twilio.content_requests]
        assert len(shapes) == len(set(shapes)) == len(twilio.contents)  # one resource per shape
        second = user_of(service, twilio, "+996700999888")
        await submit_request(second, "Русский")
        more = len(twilio.content_requests)
    finally:
        await service.stop()
    async with service.db.reader() as session:
        stored = dict((await session.execute(sa.select(WhatsAppContent.shape, WhatsAppContent.content_sid))).all())
    assert set(stored.values()) <= set(twilio.contents) and len(stored) == more
    restarted = await start_service(db_url, twilio, unused_tcp_port)
    restarted.port = unused_tcp_port
    try:
        await submit_request(user_of(restarted, twilio, "+996700777666"), "Русский")
    finally:
        await restarted.stop()
    assert len(twilio.content_requests) == more  # the stored resources were reused, none made again


async def test_with_the_content_api_down_choices_go_as_numbered_lines_and_numbers_answer(db_url, twilio,
                                                                                       unused_tcp_port):
    twilio.content_down = True
    service = await start_service(db_url, twilio, unused_tcp_port)
    service.port = unused_tcp_port
    try:
        user = user_of(service, twilio)
        body = await submit_request(user, "Кыргызча")
        assert "Кайрылууңуз катталды" in body
        first = twilio.sent_to(PHONE)[0]
        assert "1. Кыргызча\n2. Русский" in first["body"] and first["sid"] not in twilio.rendered
        assert twilio.rendered == {} and twilio.contents == {}
        twilio.content_down = False  # back: the next choice is native again
        menu = await user.say("меню")
        assert menu["sid"] in twilio.rendered
    finally:
        await service.stop()
    async with service.db.reader() as session:
        assert (await session.scalar(sa.select(sa.func.count()).select_from(Request))) == 1


async def test_a_choice_twilio_refuses_goes_again_as_numbered_lines(db_url, twilio, unused_tcp_port):
    service = await start_service(db_url, twilio, unused_tcp_port)
    service.port = unused_tcp_port
    try:
        twilio.fail_next.append((400, 63013, "This content cannot be sent to the channel"))
        first = await user_of(service, twilio).say("Салам")
        assert "1. Кыргызча\n2. Русский" in first["body"] and first["sid"] not in twilio.rendered
        assert twilio.responses[-2:] == [400, 201]  # the refused list, then the numbered text
        assert json.loads(twilio.requests[-2]["ContentVariables"])["2"] == "Кыргызча"
    finally:
        await service.stop()


async def test_the_fake_content_api_creates_fetches_and_refuses_what_whatsapp_would(twilio):
    auth = {"Authorization": encode_basic_auth(SID, TOKEN)}
    definition = {"friendly_name": "menu", "language": "ky", "variables": {"1": "x"},
                  "types": {"twilio/list-picker": {"body": "{{1}}", "button": "Тандаңыз",
                                                   "items": [{"item": "Суу", "id": "1:water"}]}}}
    async with ClientSession(headers=auth) as http:
        async with http.post(twilio.base_url + "/v1/Content", json=definition) as response:
            created = await response.json()
            assert response.status == 201 and created["sid"].startswith("HX")
        async with http.get(f"{twilio.base_url}/v1/Content/{created['sid']}") as response:
            assert response.status == 200 and (await response.json())["types"] == definition["types"]
        async with http.get(f"{twilio.base_url}/v1/Content/HX{'0' * 32}") as response:
            assert response.status == 404
        async with http.post(twilio.base_url + "/v1/Content", data="friendly_name=x") as response:
            assert response.status == 400  # JSON only, as content.twilio.com
    async with ClientSession() as http:
        async with http.post(twilio.base_url + "/v1/Content", json=definition) as response:
            assert response.status == 401
    rendered = twilio._render(created["sid"], {"1": "Эмне көйгөй?"})
    assert rendered == {"type": LIST_PICKER, "body": "Эмне көйгөй?", "button": "Тандаңыз",
                        "items": [{"item": "Суу", "id": "1:water"}]}
    twilio.contents[created["sid"]]["types"]["twilio/list-picker"]["items"][0]["item"] = "{{2}}"
    with pytest.raises(Exception, match="too long"):
        twilio._render(created["sid"], {"1": "?", "2": "ы" * 25})
    with pytest.raises(Exception, match="255"):
        twilio._render(created["sid"], {"1": "ы" * 256, "2": "Суу"})
    assert json.loads(json.dumps(rendered, ensure_ascii=False)) == rendered
