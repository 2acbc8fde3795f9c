"""The house shows the flow: `pipelines` never imports `mailkpi`, nothing shipped imports
`tests`, and no module imports itself round a circle.

Every `import` statement counts, wherever it stands (module level, inside a function, under
`if TYPE_CHECKING`): a circle closed only at call time or for the type checker is still a
circle a reader has to untangle.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from tests.conftest import ROOT

SHIPPED = tuple(
    tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"][
        "wheel"
    ]["packages"]
)
PROJECT = (*SHIPPED, "tests")


def modules(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file under the packages."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules `name` imports: the most specific known module each import names
    (`from a.b import c` is `a.b.c` when that is a module, else `a.b`)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                out.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return out


def graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module -> the modules it imports, every module of every package."""
    known = modules(root, packages)
    return {name: imports(name, path, known) for name, path in known.items()}


def within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def violations(edges: dict[str, set[str]], shipped: tuple[str, ...]) -> list[str]:
    """One line per import against the layout."""
    found = []
    for module, targets in sorted(edges.items()):
        for target in sorted(targets):
            if within(module, ("pipelines",)) and within(target, ("mailkpi",)):
                found.append(f"{module} imports {target}: pipelines take plain arguments")
            if within(module, shipped) and within(target, ("tests",)):
                found.append(f"{module} imports {target}: shipped code never imports tests")
    return found


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (or a module importing
    itself), each as one circle through it, found with Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(edges.get(module, ())):
            if target not in edges:
                continue  # outside the project
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1 or module in edges[module]:
                groups.append(circle(sorted(group), edges))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return groups


def circle(group: list[str], edges: dict[str, set[str]]) -> list[str]:
    """A path from the group's first module back to itself, inside the group."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    todo = [start]
    while todo:
        module = todo.pop(0)
        for target in sorted(edges[module] & members):
            if target == start:
                return [*paths[module], start]
            if target not in paths:
                paths[target] = [*paths[module], target]
                todo.append(target)
    raise AssertionError(f"no circle through {start}")  # a group always has one


def test_the_project_imports_one_way_without_circles():
    edges = graph(ROOT, PROJECT)
    assert {"mailkpi.cli", "pipelines.demo.generator", "mailkpi.graph_emulator.server"} <= set(
        edges
    )
    circles = [f"import circle: {' -> '.join(c)}" for c in cycles(edges)]
    problems = violations(edges, SHIPPED) + circles
    assert not problems, "\n".join(problems)


def test_the_checks_catch_each_kind_of_violation(tmp_path):
    """A small tree with one of each: the checks must name them all (they can fail)."""
    files = {
        "pipelines/__init__.py": "",
        "pipelines/demo/__init__.py": "from .generator import Tenant\n",
        # a circle closed by a function-level import and one for the type checker only
        "pipelines/demo/generator.py": "def f():\n    from . import threads\n",
        "pipelines/demo/threads.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from .generator import Tenant\n"
            "from mailkpi.config import Config\n"
        ),
        "mailkpi/__init__.py": "",
        "mailkpi/config.py": "import os\n",
        "mailkpi/bench.py": "from tests.graph_emulator.bench import FOLDERS\n",
        "mailkpi/cli.py": "import mailkpi.bench\n",
        "tests/__init__.py": "",
        "tests/graph_emulator/__init__.py": "",
        "tests/graph_emulator/bench.py": "from mailkpi import cli\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    edges = graph(tmp_path, ("mailkpi", "pipelines", "tests"))

    assert edges["pipelines.demo.threads"] == {
        "typing",
        "pipelines.demo.generator",
        "mailkpi.config",
    }
    assert violations(edges, ("mailkpi", "pipelines")) == [
        "mailkpi.bench imports tests.graph_emulator.bench: shipped code never imports tests",
        "pipelines.demo.threads imports mailkpi.config: pipelines take plain arguments",
    ]
    assert sorted(cycles(edges)) == [
        ["mailkpi.bench", "tests.graph_emulator.bench", "mailkpi.cli", "mailkpi.bench"],
        ["pipelines.demo.generator", "pipelines.demo.threads", "pipelines.demo.generator"],
    ]
