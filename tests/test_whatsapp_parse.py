"""Twilio WhatsApp webhook forms (stored fixtures) → Incoming, and replies → numbered WhatsApp text."""

import json
from pathlib import Path

import pytest

from bot.whatsapp.parse import form_to_incoming
from bot.whatsapp.render import BODY_LIMIT, bodies, body
from handlers.envelope import Reply
from handlers.outbox_payload import decode_reply
from storage.enums import Language

FORMS = json.loads((Path(__file__).parent / "fixtures" / "twilio_whatsapp_forms.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(FORMS))
def test_form_becomes_the_expected_incoming(name):
    case = FORMS[name]
    incoming = form_to_incoming(case["form"], intake_id=9)
    expected = case["expected"]
    assert incoming.kind == expected["kind"]
    assert incoming.address == "whatsapp:+996555123456" and incoming.phone == "+996555123456"
    assert incoming.display_name == "Айгүл" and incoming.intake_id == 9
    if "text" in expected:
        assert incoming.text == expected["text"]
    if "option" in expected:
        assert incoming.option == expected["option"]
    if "attachments" in expected:
        assert [[a.kind.value, a.ref, a.mime_type] for a in incoming.attachments] == expected["attachments"]
    if "location" in expected:
        assert [incoming.location.latitude, incoming.location.longitude] == expected["location"]


def test_options_become_numbered_lines_with_a_hint_in_the_language():
    payload = {"text": "Башкы меню.", "language": "ky", "nonce": 3,
               "options": [{"value": "a", "label": "📝 Кайрылуу жөнөтүү"}, {"value": "b", "label": "📋 Менин кайрылууларым"}]}
    assert body(decode_reply(payload)) == "Башкы меню.\n\n1. 📝 Кайрылуу жөнөтүү\n2. 📋 Менин кайрылууларым\n(Жооп катары санды жөнөтүңүз.)"
    assert body(decode_reply({**payload, "language": "ru"})).endswith("(Ответьте цифрой.)")
    assert body(Reply("Рахмат")) == "Рахмат"


def test_a_long_answer_is_split_and_nothing_is_cut():
    text = " ".join(f"сөз{i}" for i in range(1200))
    parts = bodies(Reply(text, language=Language.KY))
    assert len(parts) > 1 and all(len(p) <= BODY_LIMIT for p in parts)
    assert " ".join(parts).split() == text.split()


async def test_media_is_fetched_with_the_account_credentials():
    from bot.whatsapp.media import fetch_media
    from tests.fakes.twilio_api import FakeTwilioAPI

    async with FakeTwilioAPI("AC" + "2" * 32, "secret-token") as twilio:
        form = twilio.inbound_form("+996555000111", "Сүрөт", media=[("image/jpeg", b"")])
        data, content_type = await fetch_media(form["MediaUrl0"], "AC" + "2" * 32, "secret-token")
        assert content_type == "image/jpeg" and data[:2] == b"\xff\xd8"
        import aiohttp
        with pytest.raises(aiohttp.ClientResponseError) as refused:
            await fetch_media(form["MediaUrl0"], "AC" + "2" * 32, "wrong-token")
        assert refused.value.status == 401
