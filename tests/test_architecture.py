"""The core stays free of channel and framework code; every text exists in Kyrgyz and Russian."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from storage.enums import Channel

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("aiogram", "twilio", "aiohttp", "apscheduler", "bot", "backoffice", "public", "scheduler", "main", "settings")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", ["handlers", "storage"])
def test_core_does_not_import_channel_or_framework_code(package):
    offenders = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = {name for name in imported_modules(path) if name.split(".")[0] in FORBIDDEN}
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_the_boundary_check_would_catch_an_offender(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from aiogram.types import Message\nimport twilio.rest\n")
    assert {n.split(".")[0] for n in imported_modules(sample)} & set(FORBIDDEN) == {"aiogram", "twilio"}


DOMAINS = sorted(path.stem for path in (ROOT / "locales").glob("*.cfg"))


def _catalog(language: str, domain: str):
    catalog = read_po((ROOT / "locales" / language / "LC_MESSAGES" / f"{domain}.po").open("rb"), locale=language)
    return catalog, [m for m in catalog if m.id]


def _entries(language: str):
    """Every domain's entries for the language."""
    catalogs = [_catalog(language, domain) for domain in DOMAINS]
    return [c for c, _ in catalogs], [m for _, entries in catalogs for m in entries]


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_every_catalog_entry_is_translated_and_not_fuzzy(language):
    catalogs, entries = _entries(language)
    untranslated = [m.id for m in entries if not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    fuzzy = [m.id for m in entries if m.fuzzy]
    assert untranslated == [] and fuzzy == [] and not any(c.fuzzy for c in catalogs)
    assert len(entries) > 50


def test_a_text_lives_in_one_domain_only():
    seen: dict[str, str] = {}
    twice = []
    for domain in DOMAINS:
        for m in _catalog("ru", domain)[1]:
            key = m.id if isinstance(m.id, str) else m.id[0]
            if key in seen:
                twice.append((key, seen[key], domain))
            seen[key] = domain
    assert twice == []


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_translations_keep_their_placeholders(language):
    _catalog, entries = _entries(language)
    import string
    def fields(text):
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}
    wrong = []
    for m in entries:
        source = m.id[0] if isinstance(m.id, tuple) else m.id
        for translated in (m.string if isinstance(m.string, tuple) else (m.string,)):
            if fields(translated) != fields(source):
                wrong.append((source, translated))
    assert wrong == []


def test_kyrgyz_catalog_is_written_in_kyrgyz():
    _catalog, entries = _entries("ky")
    long_texts = [m.string for m in entries if isinstance(m.string, str) and len(m.string) > 60]
    assert long_texts and all(any(ch in text for ch in "ңөүҢӨҮ") for text in long_texts)


def test_the_catalogs_cover_every_marked_text(tmp_path):
    """Extracting the marked strings from the code gives nothing the catalogs lack."""
    extracted_total = 0
    for domain in DOMAINS:
        pot = tmp_path / f"{domain}.pot"
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", f"locales/{domain}.cfg",
                        "--no-default-keywords", "-k", "_", "-k", "N_", "-k", "n_:1,2", "-k", "gettext:2",
                        "-k", "ngettext:2,3", "-k", "both", "-k", "option:2", "-o", str(pot), "."],
                       cwd=ROOT, check=True, capture_output=True)
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot.open("rb")) if m.id}
        extracted_total += len(extracted)
        for language in ("ky", "ru"):
            _c, entries = _catalog(language, domain)
            known = {m.id if isinstance(m.id, str) else m.id[0] for m in entries}
            assert extracted - known == set(), f"run scripts/i18n.sh extract {domain} and translate ({language})"
    assert extracted_total > 50


CHANNEL_NAMES = {channel.value for channel in Channel} | {channel.name for channel in Channel}


def channel_branches(path: Path) -> list[str]:
    """Comparisons (``==``, ``!=``, ``in``, ``match``) of anything against a channel by name: ``Channel.WHATSAPP``
    or a channel's value ("telegram"), in a condition or a ``case``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def names_a_channel(node: ast.AST) -> bool:
        for part in ast.walk(node):
            if isinstance(part, ast.Attribute) and part.attr in CHANNEL_NAMES:
                return True  # Channel.TELEGRAM, Channel.WHATSAPP.value…
            if isinstance(part, ast.Constant) and isinstance(part.value, str) and part.value.lower() in CHANNEL_NAMES:
                return True
        return False

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(names_a_channel(side) for side in (node.left, *node.comparators)):
            found.append(f"{path.name}:{node.lineno}")
        elif isinstance(node, ast.match_case) and any(names_a_channel(n) for n in ast.walk(node.pattern)):
            found.append(f"{path.name}:{node.pattern.lineno}")
    return found


def test_the_core_never_asks_which_channel_it_is():
    """What a channel can show comes from its capabilities (``CoreConfig.capabilities``), never from its name."""
    offenders = [f"{path.relative_to(ROOT).parent}/{hit}" for path in sorted((ROOT / "handlers").rglob("*.py"))
                 for hit in channel_branches(path)]
    assert offenders == []


@pytest.mark.parametrize("source", [
    "if channel == Channel.WHATSAPP:\n    pass\n",
    "ok = identity.channel != Channel.TELEGRAM.value\n",
    "if parts[0] == 'telegram':\n    pass\n",
    "x = channel in (Channel.TELEGRAM, Channel.CONSOLE)\n",
    "match channel:\n    case Channel.WHATSAPP:\n        pass\n",
])
def test_the_channel_branch_check_would_catch_an_offender(tmp_path, source):
    sample = tmp_path / "sample.py"
    sample.write_text(source)
    assert len(channel_branches(sample)) == 1


def test_the_command_line_starts_without_the_messengers_client_code():
    """`main.py admin …`, `db`, `backup` do not import aiogram (its thousands of types took seconds
    of every command's start); only `serve` and `chat` build the channels."""
    code = ("import sys, main, backoffice.admin_cli, backoffice.commands\n"
            "print(sorted(m for m in sys.modules if m == 'aiogram' or m.startswith('aiogram.'))[:3])")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).parent.parent).stdout.strip()
    assert loaded == "[]"
