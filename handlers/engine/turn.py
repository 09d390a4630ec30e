"""One turn of a conversation: what came in, where the dialog stands, and what we answer.

Flow steps read ``turn.incoming`` and ``turn.conversation``, write through services in
``turn.session``, and answer with ``say``/``ask``; ``go`` moves to another step, whose
question the engine then asks.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.config import CoreConfig
from handlers.engine.flow import StepRef
from handlers.engine.matching import Match, match_words
from handlers.envelope import Asks, Capabilities, Incoming, InputKind, Option, Reply, decode_option
from handlers.i18n import gettext, ngettext
from storage.enums import Language
from storage.models import ChannelIdentity, Conversation, Person

MAX_MERGED_TEXT = 3500


@dataclass
class Turn:
    session: AsyncSession
    config: CoreConfig
    now: datetime
    identity: ChannelIdentity
    conversation: Conversation
    person: Person | None
    incoming: Incoming | None
    replies: list[Reply] = field(default_factory=list)
    moved: bool = False

    # -- what the engine guarantees -------------------------------------------------------------
    @property
    def resident(self) -> Person:
        """The settled person. The core sends anyone without one to onboarding, so every feature
        step after onboarding (and every staff-opened prompt, ``do_prompt_resident``) runs with one."""
        if self.person is None:
            raise RuntimeError(f"step {self.conversation.flow}/{self.conversation.step} needs a settled resident, "
                               f"but conversation {self.conversation.identity_id} has no person")
        return self.person

    @property
    def municipality_id(self) -> int:
        """The settled resident's municipality (onboarding sets it together with the quarter)."""
        municipality_id = self.resident.municipality_id
        if municipality_id is None:
            raise RuntimeError(f"person {self.resident.id} is settled but has no municipality")
        return municipality_id

    @property
    def message(self) -> Incoming:
        """The message being handled. A step's ``handle`` always has one; its ``prompt`` may not
        (a prompt also runs after a timeout or when staff open a step)."""
        if self.incoming is None:
            raise RuntimeError(f"step {self.conversation.flow}/{self.conversation.step} handles a message, "
                               "but this turn has none")
        return self.incoming

    # -- language -------------------------------------------------------------------------
    @property
    def language(self) -> Language:
        return self.conversation.language or Language.RU

    def _(self, message: str, /, **values: object) -> str:
        return gettext(self.language, message, **values)

    def n_(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        return ngettext(self.language, singular, plural, n, **values)

    def option(self, value: str, message: str, /, asks: Asks | None = None, words: tuple[str, ...] = (),
               **values: object) -> Option:
        """An option with a translated label, known in both languages (and by ``words``, if given)."""
        return Option(value, gettext(Language.KY, message, **values), gettext(Language.RU, message, **values), asks,
                      words)

    # -- the channel --------------------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        """What the person's channel can show (buttons, numbered lines, a location button …)."""
        return self.config.capabilities.get(self.identity.channel) or Capabilities(name=self.identity.channel)

    # -- answering ---------------------------------------------------------------------------
    def say(self, text: str) -> None:
        """Says something; consecutive plain texts are merged into one message (not into a photo's caption)."""
        last = self.replies[-1] if self.replies else None
        mergeable = last is not None and not last.options and last.media is None
        if last is not None and mergeable and len(last.text) + len(text) < MAX_MERGED_TEXT:
            self.replies[-1] = replace(last, text=f"{last.text}\n\n{text}")
        else:
            self.replies.append(Reply(text, language=self.conversation.language))

    def ask(self, text: str, options: list[Option] | None = None) -> None:
        """Asks the step's question; its options are remembered to understand the answer."""
        options = options or []
        self.say(text)
        self.replies[-1] = replace(self.replies[-1], options=tuple(options), nonce=self.conversation.nonce,
                                   language=self.conversation.language)
        self.conversation.options = [{"value": o.value, "ky": o.ky, "ru": o.ru, "words": list(o.words)}
                                     for o in options]  # for choice()

    # -- moving -----------------------------------------------------------------------------
    def go(self, flow: str, step: str, **data: Any) -> None:
        """Moves to a step; earlier buttons stop working (the nonce changes).

        What a flow collected (``data``) belongs to it: entering another flow starts afresh.
        A step no feature declares raises ``UnknownStep``.
        """
        self.config.features.step(StepRef(flow, step))
        if flow != self.conversation.flow:
            self.conversation.data = {}
        self.conversation.flow, self.conversation.step = flow, step
        self.conversation.nonce += 1
        self.conversation.options = []
        if data:
            self.update(**data)
        self.moved = True

    def go_home(self) -> None:
        """Back to the main menu."""
        self.go(*self.config.features.home)

    @property
    def data(self) -> dict[str, Any]:
        return self.conversation.data or {}

    def update(self, **values: Any) -> None:
        # A new dict, so SQLAlchemy notices the change of a JSON column.
        self.conversation.data = {**self.data, **values}

    # -- understanding ------------------------------------------------------------------------
    @property
    def kind(self) -> InputKind | None:
        return self.incoming.kind if self.incoming else None

    @property
    def text(self) -> str:
        return (self.incoming.text or "").strip() if self.incoming else ""

    def offered(self) -> list[Option]:
        return [Option(o["value"], o["ky"], o["ru"], words=tuple(o.get("words", ())))
                for o in self.conversation.options or []]

    def pressed_stale_button(self) -> bool:
        if self.incoming is None or self.incoming.kind != InputKind.OPTION:
            return False
        nonce, _value = decode_option(self.incoming.option or "")
        return nonce != self.conversation.nonce

    def choice(self) -> str | None:
        """The value of the offered option the person chose: a button, its number, its label or a
        word for it (engine/matching.py); ``None`` when nothing, or more than one option, fits."""
        return self._match().value

    def ambiguous(self) -> bool:
        """The typed answer fits several of the offered options."""
        return self._match().ambiguous

    def _match(self) -> Match:
        offered = self.offered()
        if self.incoming is None or not offered:
            return Match(None)
        if self.incoming.kind == InputKind.OPTION:
            nonce, value = decode_option(self.incoming.option or "")
            valid = {o.value for o in offered}
            return Match(value if nonce == self.conversation.nonce and value in valid else None)
        if self.incoming.kind != InputKind.TEXT or not self.text:
            return Match(None)
        if self.text.isdigit():
            index = int(self.text) - 1
            return Match(offered[index].value if 0 <= index < len(offered) else None)
        return match_words(self.text, offered)

    def number_out_of_range(self) -> bool:
        return self.kind == InputKind.TEXT and self.text.isdigit() and self.choice() is None
