"""The dialog engine and the features that plug into it.

- the project has no import cycle and nothing in handlers/ imports a layer above its own
  (scripts/import_graph.py), and the check would catch either;
- every step a flow, a menu entry or a command leads to exists, checked when the features
  are put together and for every ``go`` written in handlers/; a ``go`` to a missing step fails;
- a feature that is not in the core (made here) plugs in with its own description only:
  its menu entry, command, words, help line and flow work through the real conversation core.
"""

import ast
import dataclasses
import logging
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from handlers.config import CoreConfig
from handlers.conversation import ConversationCore
from handlers.engine.feature import CommandSpec, Feature, FeatureSet, MenuEntry
from handlers.engine.flow import Flow, Step, StepRef, UnknownStep
from handlers.engine.turn import Turn
from handlers.features import FEATURE_SET, FEATURES
from handlers.i18n import N_
from storage.models import Conversation
from tests.core_config import core_config
from tests.harness import Chat, onboard

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import import_graph  # noqa: E402  (a script of the repo, not a package)


# -- the import graph ---------------------------------------------------------------------------
def test_the_project_has_no_import_cycle_and_nothing_points_back_up():
    found = import_graph.report()
    assert found["module_cycles"] == []
    assert found["package_cycles"] == []
    assert found["upward_imports"] == []
    assert found["modules"] > 150  # it did read the project


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_import_check_would_catch_a_cycle_a_deferred_import_and_an_upward_import(tmp_path):
    _write(tmp_path, {
        "handlers/__init__.py": "",
        "handlers/engine/__init__.py": "",
        "handlers/engine/dialog.py": "def later():\n    from handlers.legal import flows\n",
        "handlers/legal/__init__.py": "",
        "handlers/legal/flows.py": "from handlers.engine import dialog\n",
        "handlers/services/__init__.py": "",
        "handlers/services/outbox.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                       "    from handlers.legal import flows\n",
    })
    found = import_graph.report(tmp_path)
    assert found["module_cycles"] == [["handlers.engine.dialog", "handlers.legal.flows"]]
    assert found["package_cycles"] == [["handlers.engine", "handlers.legal"]]
    # the engine's deferred import counts; a TYPE_CHECKING import never runs and does not
    assert found["upward_imports"] == [["handlers.engine.dialog", "handlers.legal.flows"]]


# -- every step a dialog can go to exists -------------------------------------------------------
def _literal_targets(path: Path) -> list[tuple[str, str, int]]:
    """``turn.go("flow", "step")`` calls, and ("flow", "step") pairs of a known flow (tables of targets)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "go":
            args = node.args[:2]
            if len(args) == 2 and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
                found.append((args[0].value, args[1].value, node.lineno))
        elif isinstance(node, ast.Tuple) and len(node.elts) == 2 and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            flow, step = (e.value for e in node.elts)
            if flow in FEATURE_SET.flows:
                found.append((flow, step, node.lineno))
    return found


def test_every_go_in_handlers_leads_to_a_step_that_exists():
    targets = [(path, *target) for path in sorted((ROOT / "handlers").rglob("*.py")) for target in _literal_targets(path)]
    assert len(targets) > 100  # the check reads the flows
    missing = [f"{path.relative_to(ROOT)}:{line} → {flow}/{step}" for path, flow, step, line in targets
               if step not in FEATURE_SET.flows.get(flow, Flow("none", {"x": Step(None, None)}, "x")).steps]
    assert missing == []


def test_the_target_check_would_catch_a_step_that_does_not_exist(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('async def on_x(turn):\n    turn.go("request", "photo")\n')
    (flow, step, _line), = _literal_targets(sample)
    assert step not in FEATURE_SET.flows[flow].steps


def test_every_menu_entry_and_command_leads_to_a_step_that_exists():
    assert [FEATURE_SET.step(ref) for ref in FEATURE_SET.targets()]


async def _noop(_turn: Turn) -> None:
    return None


PING = Flow(name="ping", first="show", steps={"show": Step(_noop, _noop)})


def test_putting_features_together_rejects_a_missing_target_and_a_name_used_twice():
    broken = Feature(name="broken", flows=(PING,), menu=(MenuEntry("ping", "Ping", StepRef("ping", "shown")),))
    with pytest.raises(UnknownStep, match="no step 'shown'"):
        FeatureSet((*FEATURES, broken), onboarding=FEATURE_SET.onboarding, home=FEATURE_SET.home)
    twice = Feature(name="twice", flows=(PING,), commands=(CommandSpec(PING.ref(), ("/my",)),))
    with pytest.raises(ValueError, match="command /my is declared twice"):
        FeatureSet((*FEATURES, twice), onboarding=FEATURE_SET.onboarding, home=FEATURE_SET.home)
    with pytest.raises(ValueError, match="flow 'ping' is declared twice"):
        FeatureSet((*FEATURES, Feature("a", flows=(PING,)), Feature("b", flows=(PING,))),
                   onboarding=FEATURE_SET.onboarding, home=FEATURE_SET.home)
    with pytest.raises(UnknownStep):
        Flow(name="ping", first="start", steps={"show": Step(_noop, _noop)})


async def test_a_go_to_a_step_that_does_not_exist_fails_at_once_and_a_stale_stored_step_goes_home(db, caplog):
    core = ConversationCore(db, core_config())
    chat = Chat(core, db, "console:stale")
    await onboard(chat)
    turn = Turn(None, core.config, None, None, Conversation(flow="menu", step="main", nonce=1), None, None)
    with pytest.raises(UnknownStep):
        turn.go("request", "photo")
    assert (turn.conversation.flow, turn.conversation.step) == ("menu", "main")

    async with db.transaction() as session:  # a step renamed since this dialog was stored
        await session.execute(sa.update(Conversation).values(flow="request", step="photo_old"))
    caplog.set_level(logging.WARNING, logger="handlers.engine.dialog")
    await chat.send("1")
    assert "unknown step" in caplog.text
    assert "Выберите" in chat.text and "категорию" in chat.text  # "1" in the main menu: a new request


# -- a feature plugs in with its own description only --------------------------------------------
async def _ask_ping(turn: Turn) -> None:
    turn.ask("pong", [turn.option("menu", "◀ Main menu")])


async def _on_ping(turn: Turn) -> None:
    turn.go_home()


PLUGGED = Feature(
    name="ping",
    flows=(Flow(name="ping", first="show", steps={"show": Step(_ask_ping, _on_ping)}),),
    menu=(MenuEntry("ping", N_("◀ Main menu"), StepRef("ping", "show")),),  # a label the catalogs know
    commands=(CommandSpec(StepRef("ping", "show"), ("/ping",), ("пинг",)),),
    help=(N_("/help: this help"),),
)


def _with(feature: Feature) -> CoreConfig:
    features = FeatureSet((*FEATURES, feature), onboarding=FEATURE_SET.onboarding, home=FEATURE_SET.home)
    return dataclasses.replace(core_config(), features=features)


async def test_a_new_feature_plugs_in_with_its_description_only(db):
    core = ConversationCore(db, _with(PLUGGED))
    chat = Chat(core, db, "console:plug")
    await onboard(chat, language="Кыргызча")
    menu = chat.labels()
    for_everyone = [entry for entry in FEATURE_SET.menu if entry.shown_to is None]
    assert len(FEATURE_SET.menu) - len(for_everyone) == 5  # staff, coordinator and quarter head entries: hidden
    assert menu[-1] == "◀ Башкы меню" and len(menu) == len(for_everyone) + 1
    await chat.send(str(len(menu)))  # its menu entry, by number
    assert chat.text == "pong"
    await chat.send("/menu")
    await chat.send("/ping")
    assert chat.text == "pong"
    await chat.send("/menu")
    await chat.send("Пинг")  # its word, as typed
    assert chat.text == "pong"
    await chat.send("/help")
    assert chat.text.count("/help: ушул жардам") == 2  # the engine's line and the plugged feature's


async def test_without_the_feature_its_command_is_unknown(db):
    core = ConversationCore(db, core_config())
    chat = Chat(core, db, "console:noplug")
    await onboard(chat, language="Кыргызча")
    await chat.send("/ping")
    assert "/ping буйругун билбейм" in chat.text
