"""The outbox codec: a Reply survives the payload column, and rows written before it still decode."""

import json

import pytest

from handlers.envelope import Asks, MapPin, Option, Photo, Reply, Template, Voice
from handlers.outbox_payload import decode_photo, decode_reply, encode_photo, encode_reply
from storage.enums import Channel, Language

REPLIES = [
    Reply("Башкы меню."),
    Reply("Тилди тандаңыз", nonce=3,
          options=[Option("ky", "Кыргызча", "Кыргызча"), Option("ru", "Русский", "Русский")]),
    Reply("Где это?", language=Language.RU, nonce=7,
          options=[Option("pin", "📍 Жайгашкан жерди жөнөтүү", "📍 Отправить место", Asks.LOCATION),
                   Option("skip", "Өткөрүп жиберүү", "Пропустить")]),
    Reply("📢 Объявление", language=Language.KY, nonce=0, template=Template("broadcast", {"1": "Аламүдүн", "2": "суу"}),
          media=Photo("AgAC-file", Channel.TELEGRAM, 123456)),
    Reply("📎 ALM-2026-000001", language=Language.RU, reply_to=41, media=Voice("AwAD-voice", Channel.TELEGRAM, 123456)),
    Reply("📍 ALM-2026-000001", reply_to=41, media=MapPin(42.87, 74.59)),
    Reply("Карточка", language=Language.RU, edit_of=40, options=[Option("card:take:1", "Алуу", "Взять")]),
    Reply("Напишите ответ", language=Language.RU, reply_to=40, expects_reply={"action": "answer", "request_id": 1}),
]


@pytest.mark.parametrize("reply", REPLIES, ids=lambda reply: reply.text[:12])
def test_a_reply_survives_the_payload_column(reply):
    stored = json.loads(json.dumps(encode_reply(reply), ensure_ascii=False))  # as the JSON column gives it back
    assert decode_reply(stored) == reply


def test_the_stored_shape_keeps_what_older_readers_and_staff_queries_read():
    reply = REPLIES[3]
    stored = encode_reply(reply)
    assert stored["text"] == "📢 Объявление" and stored["language"] == "ky" and stored["nonce"] == 0
    assert stored["template"] == {"key": "broadcast", "variables": {"1": "Аламүдүн", "2": "суу"}}
    assert stored["photo"] == {"ref": "AgAC-file", "channel": "telegram", "bot": 123456}
    assert [o["label"] for o in encode_reply(REPLIES[2])["options"]] == ["📍 Отправить место", "Пропустить"]
    assert encode_reply(REPLIES[2])["options"][0]["asks"] == "location"
    assert "edit_of" not in stored and "expects_reply" not in stored and "location" not in stored


def test_rows_written_before_the_codec_still_decode():
    """Rows of the former ``Reply.to_payload()``: one label per option, in the reply's language."""
    old_rows = [
        {"text": "Башкы меню.", "language": "ky", "nonce": 3,
         "options": [{"value": "new", "label": "📝 Кайрылуу жөнөтүү"},
                     {"value": "pin", "label": "📍 Жайгашкан жер", "asks": "location"}]},
        {"text": "📢 …", "language": "ru", "nonce": 0, "options": [],
         "template": {"key": "broadcast", "variables": {"1": "A"}},
         "photo": {"ref": "AgAC", "channel": "telegram", "bot": 42}},
        {"text": "📍 ALM", "language": None, "nonce": None, "options": [], "reply_to": 9,
         "location": {"latitude": 42.8, "longitude": 74.6}},
        {"text": "Card", "language": "ru", "nonce": None, "options": [], "edit_of": 5,
         "expects_reply": {"action": "answer", "request_id": 3}},
    ]
    menu, notice, pin, card = (decode_reply(row) for row in old_rows)
    assert menu.language == Language.KY and menu.nonce == 3
    assert [menu.label(o) for o in menu.options] == ["📝 Кайрылуу жөнөтүү", "📍 Жайгашкан жер"]
    assert menu.options[1].asks == Asks.LOCATION and menu.options[0].ru == "📝 Кайрылуу жөнөтүү"
    assert notice.template == Template("broadcast", {"1": "A"}) and notice.media == Photo("AgAC", Channel.TELEGRAM, 42)
    assert pin.media == MapPin(42.8, 74.6) and pin.reply_to == 9 and pin.language is None
    assert card.edit_of == 5 and card.expects_reply == {"action": "answer", "request_id": 3}
    assert encode_reply(menu)["options"][0]["label"] == "📝 Кайрылуу жөнөтүү"  # and it writes back the same label


def test_a_photo_kept_on_its_own_round_trips_and_is_not_a_voice_note():
    photo = Photo("AgAC", Channel.TELEGRAM, None)
    assert decode_photo(encode_photo(photo)) == photo and decode_photo(None) is None
    assert Photo("x", Channel.TELEGRAM, 1) != Voice("x", Channel.TELEGRAM, 1)


def test_a_reply_is_frozen_and_takes_options_as_a_tuple():
    reply = Reply("?", options=[Option("a", "A", "A")])
    assert reply.options == (Option("a", "A", "A"),)
    with pytest.raises(AttributeError):
        reply.text = "!"  # type: ignore[misc]
