"""The fake Twilio REST API (Messages, WhatsApp), driven by the real twilio client."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from aiohttp import ClientSession, encode_basic_auth, web
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.fakes.twilio_api import FakeTwilioAPI

SID = "AC" + "1234abcd" * 4
TOKEN = "f" * 32
FROM = "whatsapp:+996312000000"
TO = "whatsapp:+996700123456"
TEMPLATE = "HX" + "0123456789abcdef" * 2
MESSAGE_SID = re.compile(r"SM[0-9a-f]{32}")


def make_client(api: FakeTwilioAPI, sid: str = SID, token: str = TOKEN) -> Client:
    client = Client(sid, token, http_client=AsyncTwilioHttpClient())
    client.api.base_url = api.base_url  # the api.twilio.com Domain: every 2010-04-01 URL is built from it
    return client


@pytest.fixture
async def api(monkeypatch):
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    async with FakeTwilioAPI(SID, TOKEN) as api:
        yield api


@pytest.fixture
async def client(api):
    client = make_client(api)
    yield client
    await client.http_client.close()


class Receiver:
    """A tiny webhook endpoint that checks X-Twilio-Signature like an application would."""

    def __init__(self, token: str = TOKEN):
        self.validator = RequestValidator(token)
        self.calls: list[tuple[str, dict, bool]] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        params = dict(await request.post())
        valid = self.validator.validate(str(request.url), params, request.headers.get("X-Twilio-Signature", ""))
        self.calls.append((str(request.url), params, valid))
        return web.Response(status=200 if valid else 403)

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/twilio/status", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/twilio/status"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.runner.cleanup()


async def test_free_form_body_is_accepted_and_recorded(api, client):
    callback = "https://kairyl.example/twilio/status?channel=wa"
    message = await client.messages.create_async(from_=FROM, to=TO, body="Салам! Өтүнмөңүз кабыл алынды.",
                                                 status_callback=callback)
    assert MESSAGE_SID.fullmatch(message.sid)
    assert (message.status, message.direction, message.to, message.from_) == ("queued", "outbound-api", TO, FROM)
    assert message.date_created is not None and message.error_code is None
    assert message.body == "Салам! Өтүнмөңүз кабыл алынды."
    assert api.requests == [{"To": TO, "StatusCallback": callback, "From": FROM,
                             "Body": "Салам! Өтүнмөңүз кабыл алынды."}]
    assert api.responses == [201]
    assert [m["sid"] for m in api.messages] == [message.sid]
    assert api.messages[0]["uri"] == f"/2010-04-01/Accounts/{SID}/Messages/{message.sid}.json"
    assert api.sent_to(TO) == api.messages and api.sent_to("+996700123456") == api.messages
    assert api.sent_to("whatsapp:+996700000000") == []
    fetched = await client.messages(message.sid).fetch_async()
    assert (fetched.sid, fetched.status) == (message.sid, "queued")


async def test_template_with_content_variables_is_accepted(api, client):
    variables = json.dumps({"1": "Айгүл", "2": "KRL-0042"}, ensure_ascii=False)
    message = await client.messages.create_async(from_=FROM, to=TO, content_sid=TEMPLATE,
                                                 content_variables=variables)
    assert MESSAGE_SID.fullmatch(message.sid) and message.status == "queued"
    form = api.requests[-1]
    assert form["ContentSid"] == TEMPLATE and "Body" not in form
    assert json.loads(form["ContentVariables"]) == {"1": "Айгүл", "2": "KRL-0042"}


async def test_content_variables_passed_as_a_dict_are_refused(api, client):
    """The library does not serialise a dict: it form-encodes its keys (ContentVariables=1)."""
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(from_=FROM, to=TO, content_sid=TEMPLATE, content_variables={"1": "x"})
    assert (caught.value.status, caught.value.code) == (400, 21656)
    assert api.requests[-1]["ContentVariables"] == "1" and api.messages == []


async def test_media_urls_are_sent_as_repeated_fields(api, client):
    urls = ["http://127.0.0.1:9/a.jpg", "http://127.0.0.1:9/b.pdf"]  # nothing listens there
    message = await client.messages.create_async(from_=FROM, to=TO, body="фото", media_url=urls)
    assert api.requests[-1]["MediaUrl"] == urls and message.num_media == "2"
    assert [m.url for m in api.fetched[message.sid]] == urls  # fetched, as Twilio does; none could be had
    assert (message.status, message.error_code, api.status[message.sid]) == ("failed", 63019, "failed")
    await client.messages.create_async(from_=FROM, to=TO, media_url="http://127.0.0.1:9/c.jpg")  # media only
    assert api.requests[-1]["MediaUrl"] == ["http://127.0.0.1:9/c.jpg"] and api.responses == [201, 201]


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"to": "+996700123456", "body": "x"}, 21211),
    ({"to": "whatsapp:0700123456", "body": "x"}, 21211),
    ({"to": TO, "from_": "whatsapp:+996312999999", "body": "x"}, 63007),
    ({"to": TO, "from_": "+996312000000", "body": "x"}, 21212),
    ({"to": TO}, 21619),
    ({"to": TO, "body": ""}, 21619),
    ({"to": TO, "body": "x", "content_sid": TEMPLATE}, 21619),
    ({"to": TO, "content_sid": "HX123"}, 21655),
    ({"to": TO, "content_sid": TEMPLATE, "content_variables": "{not json"}, 21656),
    ({"to": TO, "body": "ы" * 1601}, 21617),
    ({"to": TO, "body": "x", "status_callback": "not a url"}, 21609),
])
async def test_invalid_messages_are_refused_like_twilio(api, client, kwargs, code):
    kwargs.setdefault("from_", FROM)
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(**kwargs)
    assert (caught.value.status, caught.value.code) == (400, code)
    assert api.messages == [] and api.responses == [400] and len(api.requests) == 1


async def test_body_of_exactly_1600_characters_is_accepted(api, client):
    message = await client.messages.create_async(from_=FROM, to=TO, body="ы" * 1600)
    assert len(message.body) == 1600 and api.responses == [201]


async def test_wrong_credentials_get_401(api):
    client = make_client(api, token="0" * 32)
    try:
        with pytest.raises(TwilioRestException) as caught:
            await client.messages.create_async(from_=FROM, to=TO, body="x")
    finally:
        await client.http_client.close()
    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert api.messages == [] and api.responses == [401]
    async with ClientSession() as session:
        async with session.post(f"{api.base_url}/2010-04-01/Accounts/{SID}/Messages.json",
                                data={"From": FROM, "To": TO, "Body": "x"}) as response:
            assert response.status == 401
            assert await response.json() == {"code": 20003, "message": "Authenticate", "status": 401,
                                             "more_info": "https://www.twilio.com/docs/errors/20003"}


async def test_fail_next_answers_the_next_posts_then_recovers(api, client):
    api.fail_next.extend([(429, 20429, "Too Many Requests"), (500, 20500, "Internal Server Error")])
    for status, code in [(429, 20429), (500, 20500)]:
        with pytest.raises(TwilioRestException) as caught:
            await client.messages.create_async(from_=FROM, to=TO, body="x")
        assert (caught.value.status, caught.value.code) == (status, code)
    message = await client.messages.create_async(from_=FROM, to=TO, body="x")
    assert api.fail_next == [] and api.responses == [429, 500, 201] and api.messages[0]["sid"] == message.sid


async def test_rejected_recipients_get_400_and_others_pass(api, client):
    blocked = "whatsapp:+996555000111"
    api.rejected_recipients[blocked] = (63016, "Failed to send freeform message because you are outside the "
                                               "allowed window. If you are using WhatsApp, please use a Message "
                                               "Template.")
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(from_=FROM, to=blocked, body="x")
    assert (caught.value.status, caught.value.code) == (400, 63016) and "allowed window" in caught.value.msg
    await client.messages.create_async(from_=FROM, to=TO, body="x")
    assert api.sent_to(blocked) == [] and len(api.sent_to(TO)) == 1


async def test_wait_sent_waits_for_concurrent_sends(api, client):
    waiter = asyncio.create_task(api.wait_sent(TO, 3))
    await asyncio.gather(*(client.messages.create_async(from_=FROM, to=TO, body=str(i)) for i in range(3)))
    assert sorted(m["body"] for m in await waiter) == ["0", "1", "2"]
    with pytest.raises(TimeoutError):
        await api.wait_sent(TO, 4, timeout=0.05)


async def test_status_callback_is_signed_and_moves_the_status(api, client):
    async with Receiver() as receiver:
        message = await client.messages.create_async(from_=FROM, to=TO, body="x", status_callback=receiver.url)
        assert await api.send_status_callback(message.sid, "delivered") == 200
        assert await api.send_status_callback(message.sid, "failed", error_code=63016) == 200
        assert await api.send_status_callback(message.sid, "read", auth_token_for_signing="e" * 32) == 403
    (url, params, valid), (_, failed, valid2), (_, _, forged_valid) = receiver.calls
    assert url == receiver.url and valid and valid2 and not forged_valid
    assert params["MessageSid"] == params["SmsSid"] == message.sid
    assert (params["MessageStatus"], params["AccountSid"], params["From"], params["To"]) == ("delivered", SID,
                                                                                            FROM, TO)
    assert params["ChannelToAddress"] == "+996700123456" and params["ApiVersion"] == "2010-04-01"
    assert "ErrorCode" not in params and failed["ErrorCode"] == "63016" and failed["MessageStatus"] == "failed"
    assert (await client.messages(message.sid).fetch_async()).status == "read"


async def test_status_callback_needs_a_status_callback_url(api, client):
    message = await client.messages.create_async(from_=FROM, to=TO, body="x")
    with pytest.raises(ValueError):
        await api.send_status_callback(message.sid, "delivered")
    with pytest.raises(ValueError):
        await api.send_status_callback(message.sid, "bogus")


async def test_inbound_form_is_whatsapp_shaped_and_signed(api):
    url = "https://kairyl.example/twilio/whatsapp?tenant=osh"
    form = api.inbound_form("+996700123456", "Салам")
    assert MESSAGE_SID.fullmatch(form["MessageSid"]) and form["SmsMessageSid"] == form["SmsSid"] == form["MessageSid"]
    assert (form["From"], form["To"], form["WaId"], form["ProfileName"]) == (TO, FROM, "996700123456", "Айгүл")
    assert (form["MessageType"], form["NumMedia"], form["SmsStatus"], form["Body"]) == ("text", "0", "received",
                                                                                      "Салам")
    assert form["AccountSid"] == SID and form["ApiVersion"] == "2010-04-01" and form["ReferralNumMedia"] == "0"
    assert api.inbound_form(TO)["MessageSid"] != form["MessageSid"]
    validator = RequestValidator(TOKEN)
    signature = api.sign(url, form)
    assert validator.validate(url, form, signature)
    assert not validator.validate(url, dict(form, Body="Салам!"), signature)
    assert not validator.validate(url.replace("osh", "bishkek"), form, signature)
    assert not RequestValidator("e" * 32).validate(url, form, signature)


async def test_inbound_media_is_served_behind_basic_auth(api):
    form = api.inbound_form(TO, "сүрөт", media=[("image/jpeg", b""), ("application/pdf", "%PDF-1.7 test")])
    assert form["MessageSid"].startswith("MM") and form["MessageType"] == "image" and form["NumMedia"] == "2"
    assert form["MediaContentType1"] == "application/pdf"
    prefix = f"{api.base_url}/2010-04-01/Accounts/{SID}/Messages/{form['MessageSid']}/Media/ME"
    assert form["MediaUrl0"].startswith(prefix) and form["MediaUrl1"].startswith(prefix)
    good, bad = {"Authorization": encode_basic_auth(SID, TOKEN)}, {"Authorization": encode_basic_auth(SID, "0" * 32)}
    async with ClientSession() as session:
        async with session.get(form["MediaUrl0"], headers=good) as response:
            data = await response.read()
            assert response.status == 200 and response.content_type == "image/jpeg"
            assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
        async with session.get(form["MediaUrl1"], headers=good) as response:
            assert response.content_type == "application/pdf" and await response.read() == b"%PDF-1.7 test"
        async with session.get(form["MediaUrl0"]) as response:
            assert response.status == 401 and (await response.json())["code"] == 20003
        async with session.get(form["MediaUrl0"], headers=bad) as response:
            assert response.status == 401


async def test_inbound_location_and_button_forms(api):
    place = api.inbound_form(TO, latitude=40.5283, longitude=72.7985, address="Ленин көчөсү 1", label="Мэрия")
    assert (place["MessageType"], place["Latitude"], place["Longitude"]) == ("location", "40.5283", "72.7985")
    assert (place["Address"], place["Label"], place["Body"]) == ("Ленин көчөсү 1", "Мэрия", "")
    press = api.inbound_form(TO, button_payload="confirm:42", button_text="Ооба")
    assert (press["MessageType"], press["ButtonPayload"], press["ButtonText"], press["Body"]) == (
        "button", "confirm:42", "Ооба", "Ооба")
    assert "Latitude" not in press and "ButtonPayload" not in place
    assert api.inbound_form(TO, "x", message_sid="SM" + "a" * 32)["MessageSid"] == "SM" + "a" * 32


async def test_many_concurrent_sends_are_all_recorded(api, client):
    recipients = [f"whatsapp:+9967001{i:05d}" for i in range(50)]
    sent = await asyncio.gather(*(client.messages.create_async(from_=FROM, to=to, body=f"{to}/{n}")
                                  for n in range(4) for to in recipients))
    assert len({m.sid for m in sent}) == 200 and len(api.messages) == 200
    assert all(sorted(m["body"] for m in api.sent_to(to)) == [f"{to}/{n}" for n in range(4)] for to in recipients)
