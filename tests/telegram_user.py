"""A resident on Telegram, as the fake Bot API sees them: sends updates, reads the bot's messages."""

from dataclasses import dataclass

from tests.fakes.telegram_api import FakeBot, SentMessage
from tests.waiting import PATIENCE


@dataclass
class TelegramUser:
    bot: FakeBot
    chat_id: int
    language_code: str = "ru"
    answers: int = 0
    """What the person sent (a text, a press, a photo, a pin; an album is one): the walkers count them."""
    carriers: int = 0
    """Of those, the photos, albums, voice notes and pins."""

    @property
    def last(self) -> SentMessage:
        return self.bot.sent_to(self.chat_id)[-1]

    def buttons(self, message: SentMessage | None = None) -> list[dict]:
        """Inline buttons, or the buttons of a reply keyboard (those send their text)."""
        markup = (message or self.last).reply_markup or {}
        return [row[0] for row in markup.get("inline_keyboard", markup.get("keyboard", []))]

    async def _answer_to(self, update: dict, timeout: float = PATIENCE, *, then: tuple[dict, ...] = ()) -> SentMessage:
        """Pushes an update (and ``then`` right after it, an album's other photos: one step with it) and
        waits until the bot has answered with a question (buttons)."""
        before = len(self.bot.sent_to(self.chat_id))
        self.answers += 1
        for pushed in (update, *then):
            self.bot.push_update(pushed)

        def answered() -> SentMessage | None:
            sent = self.bot.sent_to(self.chat_id)
            return sent[-1] if len(sent) > before and sent[-1].reply_markup else None

        def what() -> str:
            return f"no answer to {update} in {timeout}s; got {[m.text for m in self.bot.sent_to(self.chat_id)[before:]]}"
        return await self.bot.sent_signal.wait_until(answered, what, timeout=timeout)

    async def say(self, text: str, **extra) -> SentMessage:
        return await self._answer_to(self.bot.message_update(self.chat_id, text, language_code=self.language_code,
                                                             **extra))

    async def press(self, label: str) -> SentMessage:
        message = self.last
        matches = [b for b in self.buttons(message) if label.casefold() in b["text"].casefold()]
        assert matches, f"no button {label!r} in {[b['text'] for b in self.buttons(message)]}"
        if "callback_data" not in matches[0]:  # a reply-keyboard button: the app sends its text
            return await self.say(matches[0]["text"])
        return await self._answer_to(self.bot.callback_update(self.chat_id, matches[0]["callback_data"],
                                                              message_id=message.message_id))

    async def photo(self, caption: str | None = None) -> SentMessage:
        self.carriers += 1
        return await self._answer_to(self.bot.photo_update(self.chat_id, caption=caption))

    async def album(self, count: int, caption: str | None = None) -> SentMessage:
        """Photos sent together, as Telegram sends an album: one message each, the caption on the first."""
        group = {"media_group_id": f"album-{self.chat_id}-{self.answers}"}
        updates = [self.bot.photo_update(self.chat_id, caption=caption if i == 0 else None, **group)
                   for i in range(count)]
        self.carriers += 1
        return await self._answer_to(updates[0], then=tuple(updates[1:]))

    async def location(self, latitude: float, longitude: float) -> SentMessage:
        self.carriers += 1
        return await self._answer_to(self.bot.location_update(self.chat_id, latitude, longitude))

    async def send(self, update: dict) -> SentMessage:
        return await self._answer_to(update)
