"""Flows are explicit state machines: a table of named steps, each a question and its handler.

A step's ``prompt`` asks its question (``turn.ask``); its ``handle`` reads the answer and
either moves on (``turn.go``) or explains what it expected (``turn.say``), after which the
engine asks the question again. A prompt may move on by itself (a list of one village is
not worth asking about).

A step is named by a ``StepRef`` (flow name, step name). Every name is checked: a ``go`` to
a step that does not exist raises ``UnknownStep`` at once, and tests/test_engine.py reads
every ``go`` of every flow and checks its target against the features' flows.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from handlers.engine.turn import Turn

StepFunction = Callable[["Turn"], Awaitable[None]]


class UnknownStep(LookupError):
    """A flow or step name that no feature declares (a programming error)."""


class StepRef(NamedTuple):
    flow: str
    step: str

    def __str__(self) -> str:
        return f"{self.flow}/{self.step}"


@dataclass(frozen=True)
class Step:
    prompt: StepFunction
    handle: StepFunction


@dataclass(frozen=True)
class Flow:
    name: str
    steps: dict[str, Step]
    first: str
    times_out: bool = False
    """Whether a dialog left in this flow is closed (politely) after the configured silence."""

    def __post_init__(self) -> None:
        if self.first not in self.steps:
            raise UnknownStep(f"flow {self.name!r}: its first step {self.first!r} is not one of its steps")

    def step(self, name: str) -> Step:
        try:
            return self.steps[name]
        except KeyError:
            raise UnknownStep(f"flow {self.name!r} has no step {name!r}") from None

    def ref(self, step: str | None = None) -> StepRef:
        """A checked reference to one of this flow's steps (its first by default)."""
        name = self.first if step is None else step
        self.step(name)
        return StepRef(self.name, name)
