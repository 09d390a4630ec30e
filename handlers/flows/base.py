"""Flows are explicit state machines: a table of named steps, each a question and its handler.

A step's ``prompt`` asks its question (``turn.ask``); its ``handle`` reads the answer and
either moves on (``turn.go``) or explains what it expected (``turn.say``), after which the
engine asks the question again. A prompt may move on by itself (a list of one village is
not worth asking about).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers.turn import Turn

StepFunction = Callable[[Turn], Awaitable[None]]


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

    def step(self, name: str) -> Step:
        return self.steps.get(name) or self.steps[self.first]
