"""The channel adapters: one list, each declaring its capabilities, which the core reads instead of names."""

from bot.channels import ADAPTERS, CAPABILITIES
from bot.console.channel import CAPABILITIES as CONSOLE
from handlers.broadcasts.notice import notice_reply
from storage.enums import BroadcastKind, Channel, Language
from storage.models import Broadcast
from tests.core_config import core_config


def test_every_channel_has_capabilities_and_the_tests_use_the_adapters_own():
    assert {adapter.channel for adapter in ADAPTERS} == {Channel.TELEGRAM, Channel.WHATSAPP}
    assert set(CAPABILITIES) == set(Channel) and CAPABILITIES[Channel.CONSOLE] is CONSOLE
    assert all(CAPABILITIES[adapter.channel] is adapter.capabilities for adapter in ADAPTERS)
    assert core_config().capabilities is CAPABILITIES


def test_a_notice_has_buttons_where_the_channel_has_them_and_a_plus_hint_where_a_number_answers_the_dialog():
    broadcast = Broadcast(id=7, kind=BroadcastKind.MEETING, text_ru="Сход в 18:00", photo=None)
    on_telegram = notice_reply(broadcast, Language.RU, CAPABILITIES[Channel.TELEGRAM], "Аламудун")
    on_whatsapp = notice_reply(broadcast, Language.RU, CAPABILITIES[Channel.WHATSAPP], "Аламудун")
    assert [o.value for o in on_telegram.options] == ["bc:7", "bc:mute"] and "+" not in on_telegram.text
    assert on_whatsapp.options == () and on_whatsapp.text.endswith("Ответьте +, если вы придёте.")
    assert on_whatsapp.template == on_telegram.template and on_whatsapp.template.key == "broadcast"
