"""A resident on WhatsApp: posts Twilio-signed webhooks to the service, reads what reached the fake Twilio."""

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

    async def post(self, form: dict, timeout: float = PATIENCE) -> dict:
        """Posts a signed incoming message and waits for the bot's answer that ends with options."""
        before = len(self.twilio.sent_to(self.phone))
        self.answers += 1
        status = await self.twilio.post_webhook(self.webhook_url, form)
        assert status == 200, status

        def answered() -> dict | None:
            sent = self.twilio.sent_to(self.phone)
            return sent[-1] if len(sent) > before and "\n1. " in (sent[-1]["body"] or "") else None

        def what() -> str:
            return f"no answer to {form.get('Body')!r}; got {[m['body'] for m in self.twilio.sent_to(self.phone)[before:]]}"
        return await self.twilio.sent_signal.wait_until(answered, what, timeout=timeout)

    async def say(self, text: str) -> dict:
        return await self.post(self.twilio.inbound_form(self.phone, text, profile_name=self.profile_name))

    async def choose(self, label: str) -> dict:
        """Answers with the number of the option whose words contain ``label``, as on a phone."""
        lines = [line for line in self.last["body"].splitlines() if line[:1].isdigit() and ". " in line]
        for line in lines:
            number, _, words = line.partition(". ")
            if label.casefold() in words.casefold():
                return await self.say(number)
        raise AssertionError(f"no option {label!r} in {lines}")

    async def photo(self, caption: str = "") -> dict:
        self.carriers += 1
        return await self.post(self.twilio.inbound_form(self.phone, caption, media=[("image/jpeg", b"")]))

    async def location(self, latitude: float, longitude: float) -> dict:
        self.carriers += 1
        return await self.post(self.twilio.inbound_form(self.phone, latitude=latitude, longitude=longitude,
                                                        address="Аламүдүн"))
