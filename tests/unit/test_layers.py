"""The shape of the code, checked from its syntax trees: which folder may import which, and who
may change the process environment or Python's import path.

Floors, bottom up: `newsroom/` (the core) imports nothing of the project but itself;
`handlers/` (the Lambda entry points) import the core only; `infra/`, `devstack/`, `tools/` and
`bench/` import what lies below them, never `tests/`. Configuration travels as values (a
`Tables`, the handlers' `build(...)` arguments): os.environ is written only by tests and by the
local stack's process set-up (devstack/process.py), and no benchmark edits sys.path.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("newsroom", "handlers", "infra", "devstack", "tools", "bench")
MAY_IMPORT = {
    "newsroom": {"newsroom"},
    "handlers": {"newsroom", "handlers"},
    "infra": {"newsroom", "infra"},
    "devstack": {"newsroom", "handlers", "infra", "devstack"},
    "tools": {"newsroom", "infra", "tools"},
    "bench": {"newsroom", "handlers", "infra", "devstack", "tools", "bench"},
}
PROJECT = {*FOLDERS, "tests"}
# The one place outside tests that prepares a process's environment (fake credentials, the
# functions' Powertools defaults) before the local stack runs in it.
ENVIRONMENT_WRITERS = {"devstack/process.py"}
MUTATING = {"update", "pop", "setdefault", "clear", "popitem", "__setitem__", "__delitem__"}


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_folders(module: ast.Module) -> set[str]:
    found = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant):
                found.add(str(node.args[0].value).split(".")[0])
            elif node.args and isinstance(node.args[0], ast.JoinedStr):
                head = node.args[0].values[0]
                if isinstance(head, ast.Constant):
                    found.add(str(head.value).split(".")[0])
    return found & PROJECT


def _is_environ(node: ast.AST) -> bool:
    """`os.environ` (or a bare `environ` imported from os)."""
    return (isinstance(node, ast.Attribute) and node.attr == "environ"
            and isinstance(node.value, ast.Name) and node.value.id == "os") \
        or (isinstance(node, ast.Name) and node.id == "environ")


def environment_writes(module: ast.Module) -> list[int]:
    """Lines that change the process environment: assignments, deletions and mutating calls on
    os.environ, os.putenv/unsetenv."""
    lines = []
    for node in ast.walk(module):
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        if any(isinstance(t, ast.Subscript) and _is_environ(t.value) for t in targets):
            lines.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in MUTATING and _is_environ(node.func.value):
                lines.append(node.lineno)
            if node.func.attr in ("putenv", "unsetenv") and getattr(node.func.value, "id", None) == "os":
                lines.append(node.lineno)
    return sorted(lines)


def path_edits(module: ast.Module) -> list[int]:
    """Lines that change sys.path."""
    return sorted(
        node.lineno for node in ast.walk(module)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "path"
        and getattr(node.func.value.value, "id", None) == "sys"
    )


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_folder_imports_only_the_floors_below_it(folder):
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported_folders(tree(path)) - MAY_IMPORT[folder])
        for path in sources(folder)
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def test_the_environment_is_written_only_by_tests_and_the_local_stacks_process_set_up():
    writers = {
        str(path.relative_to(ROOT)): environment_writes(tree(path))
        for folder in FOLDERS for path in sources(folder)
    }
    writers = {path: lines for path, lines in writers.items() if lines}
    assert set(writers) <= ENVIRONMENT_WRITERS, writers
    for path in ENVIRONMENT_WRITERS:
        assert writers.get(path), f"{path} no longer prepares the environment: update this test"


def test_benchmarks_never_edit_the_import_path():
    edits = {str(path.relative_to(ROOT)): path_edits(tree(path)) for path in sources("bench")}
    assert {path: lines for path, lines in edits.items() if lines} == {}


def test_only_the_lambda_entry_points_build_tables_from_the_environment():
    callers = {
        str(path.relative_to(ROOT))
        for folder in FOLDERS for path in sources(folder)
        if "Tables.from_env(" in path.read_text(encoding="utf-8")
    }
    assert callers <= {f"handlers/{name}.py" for name in ("resolver", "publisher", "invalidator", "bridge")} \
        | {"newsroom/tables.py"}, callers


# The checks themselves, on made-up code: each must see what it looks for.
@pytest.mark.parametrize("code", [
    "import os\nos.environ['A'] = '1'",
    "import os\nos.environ.update(A='1')",
    "import os\nos.environ.pop('A', None)",
    "import os\ndel os.environ['A']",
    "import os\nos.environ.setdefault('A', '1')",
    "import os\nos.putenv('A', '1')",
    "from os import environ\nenviron['A'] = '1'",
])
def test_environment_writes_are_seen(code):
    assert environment_writes(ast.parse(code))


def test_reading_the_environment_is_not_a_write():
    assert environment_writes(ast.parse("import os\nx = os.environ.get('A')\ny = os.environ['B']")) == []


def test_imports_and_path_edits_are_seen():
    module = ast.parse("import sys\nsys.path.insert(0, 'x')\nfrom tests.e2e import conftest\n"
                       "import importlib\nimportlib.import_module(f'handlers.{name}')")
    assert path_edits(module) == [2]
    assert imported_folders(module) == {"tests", "handlers"}
