"""A resident on WhatsApp: posts Twilio-signed webhooks to the service, reads what reached the fake Twilio.

Choices come as a list picker or quick replies (rendered by the fake Twilio from the Content resource
the service made) or as numbered lines; the user answers either as a phone does: by tapping the item or
button (its id comes back as ``ListId`` / ``ButtonPayload``), or by replying with the number.
"""

from dataclasses import dataclass

from tests.fakes.twilio_api import FakeTwilioAPI
from tests.waiting import PATIENCE


@dataclass
class WhatsAppUser:
    twilio: FakeTwilioAPI
    webhook_url: str
    phone: str
    profile_name: str = "Айгүл"
    answers: int = 0
    """Messages the person sent: the walkers count them."""
    carriers: int = 0
    """Of those, the photos and pins."""

    @property
    def last(self) -> dict:
        return self.twilio.sent_to(self.phone)[-1]

    def native(self, message: dict) -> dict | None:
        """The list picker or quick replies a message showed, if it was one."""
        return self.twilio.rendered.get(message["sid"])

    def offers_choices(self, message: dict) -> bool:
        return self.native(message) is not None or "\n1. " in (message["body"] or "")

    def choices(self, message: dict | None = None) -> list[str]:
        """The titles of the choices a message offered, numbered or native."""
        message = message or self.last
        native = self.native(message)
        if native is not None:
            return [each.get("item") or each.get("title") for each in native.get("items") or native["actions"]]
        return [line.partition(". ")[2] for line in message["body"].splitlines() if line[:1].isdigit() and ". " in line]

    async def _answered(self, before: int, what_was_sent: str, timeout: float) -> dict:
        def answered() -> dict | None:
            sent = self.twilio.sent_to(self.phone)
            return sent[-1] if len(sent) > before and self.offers_choices(sent[-1]) else None

        def what() -> str:
            return f"no answer to {what_was_sent!r}; got {[m['body'] for m in self.twilio.sent_to(self.phone)[before:]]}"
        return await self.twilio.sent_signal.wait_until(answered, what, timeout=timeout)

    async def post(self, form: dict, timeout: float = PATIENCE) -> dict:
        """Posts a signed incoming message and waits for the bot's answer that ends with options."""
        before = len(self.twilio.sent_to(self.phone))
        self.answers += 1
        status = await self.twilio.post_webhook(self.webhook_url, form)
        assert status == 200, status
        return await self._answered(before, form.get("Body") or "", timeout)

    async def say(self, text: str) -> dict:
        return await self.post(self.twilio.inbound_form(self.phone, text, profile_name=self.profile_name))

    async def choose(self, label: str) -> dict:
        """Answers with the choice whose words contain ``label``, as on a phone: a tap on the list item
        or button, or its number where the choices came as numbered lines."""
        last = self.last
        if self.native(last) is not None:
            before = len(self.twilio.sent_to(self.phone))
            self.answers += 1  # a tap is an answer too
            status = await self.twilio.answer_interactive(self.webhook_url, self.phone, last, label,
                                                         profile_name=self.profile_name)
            assert status == 200, status
            return await self._answered(before, label, PATIENCE)
        lines = [line for line in last["body"].splitlines() if line[:1].isdigit() and ". " in line]
        for line in lines:
            number, _, words = line.partition(". ")
            if label.casefold() in words.casefold():
                return await self.say(number)
        raise AssertionError(f"no option {label!r} in {lines}")

    async def photo(self, caption: str = "", *, count: int = 1) -> dict:
        """One message with ``count`` photos (NumMedia), the caption its Body."""
        self.carriers += 1
        return await self.post(self.twilio.inbound_form(self.phone, caption, media=[("image/jpeg", b"")] * count))

    async def location(self, latitude: float, longitude: float) -> dict:
        self.carriers += 1
        return await self.post(self.twilio.inbound_form(self.phone, latitude=latitude, longitude=longitude,
                                                        address="Аламүдүн"))
