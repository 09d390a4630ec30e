"""How a feature describes itself to the engine, and the set of features a deployment runs.

A feature (requests, announcements, legal help, …) is one package that exports one
``Feature``: its flows, its main-menu entries and who sees each, its commands and words in
Kyrgyz and Russian, its lines of /help, its scheduled jobs, its ``main.py admin`` commands,
and what it provides to other
features (``provides``: objects another feature looks up by type, so that the one that
uses them needs no import of the one that has them). ``handlers/features.py`` lists the
features; the engine, the menu, /help and main.py learn about features only from that list,
through a ``FeatureSet`` handed to them in ``CoreConfig.features``.
"""

import argparse
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from handlers.engine.flow import Flow, Step, StepRef, UnknownStep

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from handlers.config import CoreConfig
    from handlers.engine.turn import Turn
    from storage.db import Database

T = TypeVar("T")
Audience = Callable[["Turn"], Awaitable[bool]]
"""Whether the person of a turn sees a menu entry (staff entries, a coordinator's desk)."""


@dataclass(frozen=True)
class MenuEntry:
    value: str
    """What the option's button carries: unique across features."""
    label: str
    """The English source text, translated in the feature's catalog (marked with ``N_``)."""
    target: StepRef | None
    """Where it leads; ``None`` for the help text (the engine's own entry)."""
    shown_to: Audience | None = None
    """``None``: everyone who has finished onboarding. A predicate asked once per menu shown."""


@dataclass(frozen=True)
class CommandSpec:
    """A command that opens a flow: ``/slash`` words and plain words a person may type."""

    target: StepRef
    slashes: tuple[str, ...]
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Aside:
    """Takes a message meant for something other than the dialog (an answer under an
    announcement) before the dialog sees it; true if it took it. Provided by a feature
    (``Feature.provides``); the dialog stays where it is."""

    take: Callable[["Turn"], Awaitable[bool]]
    before_onboarding: bool = False
    """Also offered to someone who has not finished the first steps (a staff invitation's code)."""


@dataclass(frozen=True)
class JobContext:
    """What a feature's scheduled jobs are built from."""

    db: "Database"
    config: "CoreConfig"
    on_outbox: Callable[[], None]


@dataclass(frozen=True)
class ScheduledJob:
    """A job the scheduler runs (one scheduler per deployment, see scheduler/).

    Exactly one of ``every`` and ``daily_at`` (a local time in the deployment's timezone).
    A job must be idempotent: two schedulers can overlap for a moment when a lease is taken
    over, and a job cut short is run again.
    """

    id: str
    run: Callable[[], Awaitable[Any]]
    every: timedelta | None = None
    daily_at: time | None = None
    grace: timedelta | None = None
    """How late a missed run may still start; an interval job's default is one interval."""
    catch_up: bool = False
    """Also run once whenever this process becomes the scheduler (the job knows if it has work)."""

    def __post_init__(self) -> None:
        if (self.every is None) == (self.daily_at is None):
            raise ValueError(f"job {self.id!r}: give exactly one of every= and daily_at=")
        if self.daily_at is not None and self.grace is None:
            raise ValueError(f"job {self.id!r}: a daily job needs a grace time")


MUNICIPALITY_CODE_HELP = "the municipality's code, e.g. ALM"
"""The help line of an admin command's first argument (every argument of ``admin`` has one)."""


@dataclass(frozen=True)
class AdminCommand:
    """``main.py admin <name> …``: how an administrator edits a feature's data from the shell."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    """Adds the command's arguments (or subcommands) to its parser."""
    run: Callable[["AsyncSession", argparse.Namespace], Awaitable[str]]
    """Does it in one unit of work; returns what to print. A ``KairylError`` is printed as an error (exit code 2)."""


def _no_jobs(_context: JobContext) -> Sequence[ScheduledJob]:
    return ()


@dataclass(frozen=True)
class Feature:
    name: str
    flows: tuple[Flow, ...] = ()
    menu: tuple[MenuEntry, ...] = ()
    commands: tuple[CommandSpec, ...] = ()
    help: tuple[str, ...] = ()
    """Lines of /help (English source texts marked with ``N_``), e.g. ``"/legal: a legal question"``."""
    jobs: Callable[[JobContext], Sequence[ScheduledJob]] = _no_jobs
    admin: tuple[AdminCommand, ...] = ()
    provides: tuple[object, ...] = ()
    """Contributions to other features, found by type: ``features.provided(NoticeAnswer)``."""


@dataclass(frozen=True)
class FeatureSet:
    """The features of a deployment, checked once when built: flow names, option values,
    commands and every target of a menu entry or command exist and are unique."""

    features: tuple[Feature, ...]
    onboarding: StepRef
    """Where a person who has not finished the first steps is sent."""
    home: StepRef
    """The main menu: where a finished or cancelled dialog returns."""
    first_task: StepRef | None = None
    """Where a person who has just finished onboarding goes (the new request); ``None``: home."""
    words_at_home: StepRef | None = None
    """Where words typed at the main menu that choose no entry go (a new request, described by them),
    with ``said=<the text>`` in the step's data; ``None``: they are not understood."""
    flows: dict[str, Flow] = field(init=False, repr=False)
    slashes: dict[str, StepRef] = field(init=False, repr=False)
    words: dict[str, StepRef] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        flows: dict[str, Flow] = {}
        slashes: dict[str, StepRef] = {}
        words: dict[str, StepRef] = {}
        values: set[str] = set()
        admin_names: dict[str, object] = {}
        for feature in self.features:
            for flow in feature.flows:
                _add_unique(flows, flow.name, flow, f"flow {flow.name!r}")
            for entry in feature.menu:
                if entry.value in values:
                    raise ValueError(f"menu value {entry.value!r} is used twice")
                values.add(entry.value)
            for admin in feature.admin:
                _add_unique(admin_names, admin.name, admin, f"admin command {admin.name!r}")
            for command in feature.commands:
                for slash in command.slashes:
                    _add_unique(slashes, slash.casefold(), command.target, f"command {slash}")
                for word in command.words:
                    _add_unique(words, word.casefold(), command.target, f"command word {word!r}")
        object.__setattr__(self, "flows", flows)
        object.__setattr__(self, "slashes", slashes)
        object.__setattr__(self, "words", words)
        for ref in self.targets():
            self.step(ref)  # raises UnknownStep

    def targets(self) -> Iterator[StepRef]:
        """Every step a menu entry, a command, onboarding or home leads to."""
        yield self.onboarding
        yield self.home
        yield from (ref for ref in (self.first_task, self.words_at_home) if ref is not None)
        for feature in self.features:
            yield from (entry.target for entry in feature.menu if entry.target is not None)
            yield from (command.target for command in feature.commands)

    @property
    def after_onboarding(self) -> StepRef:
        return self.first_task or self.home

    def flow(self, name: str) -> Flow:
        try:
            return self.flows[name]
        except KeyError:
            raise UnknownStep(f"no flow {name!r}") from None

    def step(self, ref: StepRef) -> Step:
        return self.flow(ref.flow).step(ref.step)

    @property
    def menu(self) -> list[MenuEntry]:
        return [entry for feature in self.features for entry in feature.menu]

    @property
    def help_lines(self) -> list[str]:
        return [line for feature in self.features for line in feature.help]

    def jobs(self, context: JobContext) -> list[ScheduledJob]:
        jobs = [job for feature in self.features for job in feature.jobs(context)]
        ids = [job.id for job in jobs]
        if len(ids) != len(set(ids)):
            raise ValueError(f"job ids are not unique: {ids}")
        return jobs

    @property
    def admin_commands(self) -> list[AdminCommand]:
        return [command for feature in self.features for command in feature.admin]

    def provided(self, kind: type[T]) -> list[T]:
        """What the features provide of one kind, in the features' order."""
        return [item for feature in self.features for item in feature.provides if isinstance(item, kind)]


def _add_unique(table: dict[str, Any], key: str, value: Any, what: str) -> None:
    if key in table:
        raise ValueError(f"{what} is declared twice")
    table[key] = value
