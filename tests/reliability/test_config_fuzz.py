"""Seeded random damage to the bundled mailkpi.yml: every problem is one line naming the key.

Structural mutations (a key dropped, renamed or given a value of the wrong type) must be
reported with the mutated key's path, or an ancestor or descendant of it; text damage
(truncation, stray characters, broken indentation) must be reported as invalid YAML with
a line and column. Nothing may escape as a traceback, in process or through the CLI.
"""

from __future__ import annotations

import copy
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mailkpi.config import ConfigError, load_config
from tests.conftest import MAILKPI, ROOT, offline_env

SEED = 20260516
STRUCTURAL_CASES = 400
TEXT_CASES = 200
BUNDLED = (ROOT / "mailkpi.yml").read_text()
WRONG_VALUES = [None, 0, -5, 3.5, True, "", "nonsense", "09:00", [], [1, 2], {}, {"x": 1}]
# `… at line 3, column 7: …` or `mailkpi.yml: <key>: <problem>`
KEYED = re.compile(r"^mailkpi\.yml: (?P<key>[\w\[\]. '’-]+?): (?P<problem>.+)$")


def _paths(node, prefix=()) -> list[tuple]:
    """Every key path in a YAML document, as tuples of str keys and int indexes."""
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        path = (*prefix, key)
        out.append(path)
        if isinstance(value, (dict, list)) and value:
            out += _paths(value, path)
    return out


def _render(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _parent(document, path: tuple):
    node = document
    for part in path[:-1]:
        node = node[part]
    return node


def mutate(document: dict, rng: random.Random) -> tuple[dict, str]:
    """One structural mutation; returns the damaged document and the mutated key's path."""
    document = copy.deepcopy(document)
    path = rng.choice(_paths(document))
    parent, last = _parent(document, path), path[-1]
    action = rng.choice(["drop", "rename", "retype", "retype", "add"])
    if action == "drop":
        del parent[last]
    elif action == "rename" and isinstance(last, str):
        parent[last + rng.choice(["s", "_", "x"])] = parent.pop(last)
        path = (*path[:-1], next(k for k in parent if str(k).startswith(last) and k != last))
    elif action == "add" and isinstance(parent[last], dict):
        parent[last]["unexpected_key"] = 1
        path = (*path, "unexpected_key")
    else:
        parent[last] = rng.choice([v for v in WRONG_VALUES if v != parent[last]])
    return document, _render(path)


def damage_text(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    i = rng.randrange(len(lines))
    action = rng.choice(["truncate", "insert", "indent", "bracket"])
    if action == "truncate":
        return text[: rng.randrange(len(text))]
    if action == "insert":
        position = rng.randrange(len(text))
        stray = rng.choice(["{", "]", ": :", "\t", "'", "*", "&a "])
        return text[:position] + stray + text[position:]
    if action == "indent":
        lines[i] = " " * rng.randrange(1, 5) + lines[i]
    else:
        lines[i] = lines[i].replace("[", "[[", 1) if "[" in lines[i] else "{" + lines[i]
    return "".join(lines)


def related(named: str, mutated: str) -> bool:
    """The error names the mutated key, one of its ancestors or one of its descendants."""
    return named.startswith(mutated) or mutated.startswith(named)


def load(tmp_path: Path, text: str):
    path = tmp_path / "mailkpi.yml"
    path.write_text(text)
    return load_config(path)


@pytest.mark.slow
def test_structural_mutations_name_the_key(tmp_path):
    original = yaml.safe_load(BUNDLED)
    rng = random.Random(SEED)
    failures, accepted = [], 0
    for _ in range(STRUCTURAL_CASES):
        document, key = mutate(original, rng)
        try:
            load(tmp_path, yaml.safe_dump(document, sort_keys=False))
        except ConfigError as error:
            # one line per problem (a renamed key is missing and unknown): each keyed,
            # one of them the mutated key's
            matches = [KEYED.match(line) for line in str(error).splitlines()]
            if not all(matches) or not any(related(m["key"], key) for m in matches):
                failures.append((key, str(error)))
            continue
        accepted += 1  # an optional key dropped, or a value that is still valid
    assert not failures, failures[:5]
    # most mutations break the file; the ones that don't are optional keys or tolerant values
    assert accepted < STRUCTURAL_CASES / 2


def test_text_damage_is_named_one_problem_per_line(tmp_path):
    rng = random.Random(SEED + 1)
    failures = []
    for _ in range(TEXT_CASES):
        try:
            load(tmp_path, damage_text(BUNDLED, rng))
        except ConfigError as error:
            lines = str(error).splitlines()
            if not lines or not all(line.startswith("mailkpi.yml: ") for line in lines):
                failures.append(str(error))
        except Exception as error:  # the point: nothing else may escape
            failures.append(f"{type(error).__name__}: {error}")
    assert not failures, failures[:5]


def test_undecodable_and_empty_files_are_one_line(tmp_path):
    for content in (b"mailboxes:\n  - address: \xff\xfe@x.com\n", b"", b"\x00\x01"):
        path = tmp_path / "mailkpi.yml"
        path.write_bytes(content)
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert "\n" not in str(caught.value)


@pytest.mark.parametrize("command", ["build", "extract", "transform"])
def test_cli_reports_a_broken_config_in_one_line_with_exit_2(tmp_path, command):
    document, key = mutate(yaml.safe_load(BUNDLED), random.Random(SEED))
    broken = tmp_path / "mailkpi.yml"
    broken.write_text(yaml.safe_dump(document, sort_keys=False))
    result = subprocess.run(
        [str(MAILKPI), command, "--config", str(broken), "--duckdb", str(tmp_path / "x.duckdb")],
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"mailkpi: mailkpi.yml: {key}")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.duckdb").exists()


def test_cli_exit_2_for_the_python_module_entry_point(tmp_path):
    broken = tmp_path / "mailkpi.yml"
    broken.write_text("mailboxes:\n  - address: a@b.com\n    timezone: Mars/Olympus\n")
    result = subprocess.run(
        [sys.executable, "-m", "mailkpi.cli", "build", "--config", str(broken)],
        cwd=ROOT,
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "mailkpi: mailkpi.yml: mailboxes[0].timezone: unknown time zone 'Mars/Olympus' "
        "(use an IANA name such as Europe/London)"
    )
