"""`.env.example` lists every setting of settings.py, with its default and a comment above it."""

import json
import re
from datetime import time
from pathlib import Path

from pydantic import SecretStr

from settings import Settings

EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"
ASSIGNMENT = re.compile(r"^# ([A-Z][A-Z0-9_]*)=(.*)$")


def written(default: object) -> str:
    """A default as .env would write it (what pydantic-settings reads back as that default)."""
    if default is None:
        return ""
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, dict):
        return json.dumps(default)
    if isinstance(default, time):
        return default.strftime("%H:%M")
    if isinstance(default, SecretStr):
        return default.get_secret_value()
    return str(default)


def test_every_setting_is_in_env_example_with_its_default_and_a_comment():
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    listed: dict[str, str] = {}
    for number, line in enumerate(lines):
        if match := ASSIGNMENT.match(line):
            name, value = match.groups()
            assert name not in listed, f"{name} is listed twice"
            listed[name] = value
            above = lines[number - 1]
            assert above.startswith("# ") and (ASSIGNMENT.match(above) or len(above) > 10), f"{name}: no comment"
    expected = {name.upper(): written(field.default) for name, field in Settings.model_fields.items()}
    assert sorted(set(expected) - set(listed)) == [], "settings missing from .env.example"
    assert sorted(set(listed) - set(expected)) == [], ".env.example lists settings that do not exist"
    assert {name: value for name, value in listed.items() if expected[name] != value} == {}, "defaults differ"


def test_the_defaults_of_env_example_read_back_as_the_defaults(tmp_path):
    """Uncommented, the file changes nothing (except the optional settings, left empty there)."""
    env = tmp_path / ".env"
    env.write_text("\n".join(line[2:] for line in EXAMPLE.read_text(encoding="utf-8").splitlines()
                             if (match := ASSIGNMENT.match(line)) and match.group(2)), encoding="utf-8")
    assert Settings(_env_file=env).model_dump() == Settings(_env_file=None).model_dump()
