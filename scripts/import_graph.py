"""The project's import graph: cycles, and imports that point back up inside ``handlers/``.

    python scripts/import_graph.py            a report; exit 1 if there is a cycle or an upward import
    python scripts/import_graph.py --json     the same as JSON (tests/test_engine.py reads it)

Every ``import`` and ``from … import`` of a project module counts, at module level or inside
a function (a deferred import is still a dependency); imports under ``if TYPE_CHECKING:``
do not (they never run).

Cycles: strongly connected groups of modules, and of the packages inside ``handlers/``
(``handlers.legal``, ``handlers.engine``, …), of more than one member.

Layers inside ``handlers/``, from the bottom (``--engine``/``--app`` add modules to a layer, to
measure an older layout the same way):

    0  shared   errors, i18n, dates, envelope, outbox_payload, config, locks, batches, services/, demo data helpers
    1  engine   handlers/engine/: flows, steps, turns, prompts, the menu; knows no feature
    2  feature  every other package: requests, residents, broadcasts, legal, …
    3  app      handlers/features.py (the list), handlers/conversation.py, handlers/demo.py

An import "points back up" when a module imports one of a higher layer.
"""

import argparse
import ast
import json
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("handlers", "storage", "bot", "scheduler", "backoffice", "public", "main", "settings")

SHARED, ENGINE, FEATURE, APP = 0, 1, 2, 3
LAYER_NAMES = {SHARED: "shared", ENGINE: "engine", FEATURE: "feature", APP: "app"}
ENGINE_MODULES: set[str] = set()
"""Modules outside handlers/engine/ counted as the engine (``--engine``, to measure an older layout)."""
SHARED_MODULES = {"handlers", "handlers.errors", "handlers.i18n", "handlers.envelope", "handlers.config",
                  "handlers.locks", "handlers.batches", "handlers.outbox_payload", "handlers.dates"}
APP_MODULES = {"handlers.features", "handlers.conversation", "handlers.demo"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(root: Path) -> dict[str, Path]:
    found = {}
    for top in PACKAGES:
        single = root / f"{top}.py"
        if single.exists():
            found[top] = single
        for path in sorted((root / top).rglob("*.py")) if (root / top).is_dir() else []:
            if "migrations" not in path.parts:
                found[module_name(path, root)] = path
    return found


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported_names(tree: ast.AST, module: str, is_package: bool, modules: Iterable[str]) -> Iterable[str]:
    """The modules the import statements in ``tree`` name: ``from a import b`` is a.b if that is a
    module, else a (a package's ``__init__`` that Python runs on the way is not counted)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _type_checking_only(node):
            skipped.update(id(child) for statement in node.body for child in ast.walk(statement))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[:len(package) - node.level + 1]
                base = ".".join(package + ([base] if base else []))
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = project_modules(root)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = imported_names(tree, name, path.name == "__init__.py", modules)
        targets = {target for target in names if target in modules}
        graph[name] = targets - {name}
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively; groups of more than one node, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return sorted(groups)


def handlers_package(module: str) -> str | None:
    """``handlers.legal.flows.ask`` → ``handlers.legal``; the shared modules are one package
    (``handlers.config`` and ``handlers.services`` use each other, as one layer may)."""
    if layer_of(module) == SHARED:
        return "handlers (shared)"
    parts = module.split(".")
    if parts[0] != "handlers" or len(parts) < 2:
        return None
    return ".".join(parts[:2])


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {}
    for module, targets in graph.items():
        source = handlers_package(module)
        if source is None:
            continue
        packages.setdefault(source, set())
        for target in targets:
            package = handlers_package(target)
            if package is not None and package != source:
                packages[source].add(package)
    return packages


def layer_of(module: str) -> int | None:
    if not module.startswith("handlers"):
        return None
    if module in SHARED_MODULES or module.startswith("handlers.services"):
        return SHARED
    if module in APP_MODULES:
        return APP
    if module.startswith("handlers.engine") or module in ENGINE_MODULES:
        return ENGINE
    return FEATURE


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    found = []
    for module, targets in sorted(graph.items()):
        source = layer_of(module)
        if source is None:
            continue
        for target in sorted(targets):
            layer = layer_of(target)
            if layer is not None and layer > source:
                found.append((module, target))
    return found


def report(root: Path = ROOT) -> dict:
    graph = import_graph(root)
    return {
        "module_cycles": strongly_connected(graph),
        "package_cycles": strongly_connected(package_graph(graph)),
        "upward_imports": [list(pair) for pair in upward_imports(graph)],
        "modules": len(graph),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--root", type=Path, default=ROOT, help="a checkout to read (default: this one)")
    parser.add_argument("--engine", default="", help="more modules of the engine layer, comma-separated "
                        "(for an older layout: handlers.turn,handlers.dialog,…)")
    parser.add_argument("--app", default="", help="more modules of the app layer, comma-separated")
    args = parser.parse_args()
    ENGINE_MODULES.update(filter(None, args.engine.split(",")))
    APP_MODULES.update(filter(None, args.app.split(",")))
    found = report(args.root)
    if args.json:
        print(json.dumps(found, indent=2))
    else:
        print(f"{found['modules']} modules")
        print(f"import cycles between modules: {len(found['module_cycles'])}")
        for group in found["module_cycles"]:
            print("   ", " → ".join(group))
        print(f"import cycles between packages of handlers/: {len(found['package_cycles'])}")
        for group in found["package_cycles"]:
            print("   ", ", ".join(group))
        print(f"imports that point back up inside handlers/: {len(found['upward_imports'])}")
        for source, target in found["upward_imports"]:
            print(f"    {source} ({LAYER_NAMES[layer_of(source)]}) → {target} ({LAYER_NAMES[layer_of(target)]})")
    return 1 if found["module_cycles"] or found["package_cycles"] or found["upward_imports"] else 0


if __name__ == "__main__":
    sys.exit(main())
