"""What an announcement may contain, and the message each resident gets.

A notice is refused (never cut) when it is too long for one message: with a photo, the
caption limit of Telegram applies. The header tells what kind of notice it is and who
sends it; residents get their own language when both texts were written.
"""

from handlers.envelope import Capabilities, Option, Reply, Template
from handlers.errors import InvalidInput
from handlers.i18n import N_, gettext, pick
from handlers.outbox_payload import decode_photo
from storage.enums import BroadcastKind, Language
from storage.models import Broadcast, Municipality

MAX_TEXT = 3500
"""Characters of a notice without a photo (one Telegram message with its header)."""
MAX_CAPTION_TEXT = 900
"""Characters of a notice with a photo (Telegram captions hold 1024, the header included)."""
TEMPLATE_KEY = "broadcast"
ACK_PREFIX = "bc:"
MUTE_VALUE = "bc:mute"
MUTE_LABEL = N_("🔕 Mute announcements")

HEADERS = {
    BroadcastKind.ORDINARY: N_("📢 Announcement from {sender}"),
    BroadcastKind.MEETING: N_("📅 Invitation to a meeting from {sender}"),
    BroadcastKind.EMERGENCY: N_("🚨 EMERGENCY NOTICE from {sender}"),
    BroadcastKind.HEARING: N_("🏛 Public hearing: invitation from {sender}"),
}
ACK_LABELS = {
    BroadcastKind.ORDINARY: N_("👁 I saw it"),
    BroadcastKind.EMERGENCY: N_("👁 I saw it"),
    BroadcastKind.MEETING: N_("🙋 I will come"),
    BroadcastKind.HEARING: N_("🙋 I will come (register)"),
}
PLUS_HINTS = {
    BroadcastKind.ORDINARY: N_("Reply + if you saw this notice."),
    BroadcastKind.EMERGENCY: N_("Reply + if you saw this notice."),
    BroadcastKind.MEETING: N_("Reply + if you will come."),
    BroadcastKind.HEARING: N_("Reply + to register: you will get a reminder the day before."),
}


class NoticeTooLong(InvalidInput):
    def __init__(self, length: int, limit: int, with_photo: bool) -> None:
        super().__init__(f"{length} characters, at most {limit}")
        self.length, self.limit, self.with_photo = length, limit, with_photo


class EmptyNotice(InvalidInput):
    pass


def check_notice_text(text: str | None, *, with_photo: bool) -> str:
    """The notice's text, stripped; raises EmptyNotice or NoticeTooLong."""
    text = (text or "").strip()
    if not any(ch.isalnum() for ch in text):
        raise EmptyNotice("a notice needs words")
    limit = MAX_CAPTION_TEXT if with_photo else MAX_TEXT
    if len(text) > limit:
        raise NoticeTooLong(len(text), limit, with_photo)
    return text


def text_for(broadcast: Broadcast, language: Language) -> str:
    if broadcast.text_ky and broadcast.text_ru:
        return broadcast.text_ky if language == Language.KY else broadcast.text_ru
    return broadcast.text_ky or broadcast.text_ru or ""


def sender_name(municipality: Municipality, language: Language, quarter_names: list[str] | None) -> str:
    """Who a notice is from, as its header says it: «от Аламудунского айыл окмоту» needs the genitive."""
    name = pick(language, municipality.name_ky, municipality.name_ru_genitive or municipality.name_ru)
    return f"{name}, {', '.join(quarter_names)}" if quarter_names else name


def notice_text(broadcast: Broadcast, language: Language, sender: str) -> str:
    return gettext(language, HEADERS[broadcast.kind], sender=sender) + "\n\n" + text_for(broadcast, language)


def notice_reply(broadcast: Broadcast, language: Language, capabilities: Capabilities, sender: str) -> Reply:
    """The message for one resident: text (or photo and caption), an answer button, a template."""
    text = notice_text(broadcast, language, sender)
    value = f"{ACK_PREFIX}{broadcast.id}"
    options = []
    if not capabilities.buttons:  # a numbered option would be taken as the answer to the dialog's question
        text += "\n\n" + gettext(language, PLUS_HINTS[broadcast.kind])
    else:
        label = ACK_LABELS[broadcast.kind]
        options = [Option(value, gettext(Language.KY, label), gettext(Language.RU, label))]
        if broadcast.kind != BroadcastKind.EMERGENCY:
            options.append(Option(MUTE_VALUE, gettext(Language.KY, MUTE_LABEL), gettext(Language.RU, MUTE_LABEL)))
    template = Template(TEMPLATE_KEY, {"1": sender, "2": text_for(broadcast, language)[:900]})
    return Reply(text, options=options, nonce=0, language=language, template=template,
                 media=decode_photo(broadcast.photo))


def parse_ack(value: str) -> int | None:
    """The broadcast id of an answer button's value, if it is one."""
    if not value.startswith(ACK_PREFIX):
        return None
    rest = value.removeprefix(ACK_PREFIX)
    return int(rest) if rest.isdigit() else None
