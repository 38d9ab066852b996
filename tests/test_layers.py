"""The folders of ``ack_irsa/`` are its layers: every import is held to the table in docs/architecture.md.

The table is read from the document itself, so the code and the document cannot drift apart. Every import
counts, at the top of a module, inside a function or under ``TYPE_CHECKING``: a lazy import is still a
dependency.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ack_irsa"
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def allowed_imports(text: str) -> dict[str, set[str]]:
    """Folder → the folders it may import, from the table between the layers markers."""
    table = text.split("<!-- layers:start -->", 1)[1].split("<!-- layers:end -->", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    allowed = {}
    for row in rows:
        folder, _what, may = (cell.strip() for cell in row.strip("|").split("|"))
        allowed[folder.strip("`")] = set(re.findall(r"`([a-z_]+)`", may))
    return allowed


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The ``ack_irsa`` modules a file imports, each as far as it names a module (``from ack_irsa.iam import
    arns`` is ``ack_irsa.iam.arns``; ``from ack_irsa.iam.arns import parse_arn`` is ``ack_irsa.iam.arns``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "ack_irsa"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "ack_irsa":
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = (ROOT / candidate.replace(".", "/")).with_suffix(".py").exists() or (
                    ROOT / candidate.replace(".", "/")
                ).is_dir()
                found.add(candidate if is_module else str(node.module))
    return found


def layer_of(module: str) -> str:
    """``ack_irsa.iam.arns`` → ``iam``; ``ack_irsa.errors`` → ``errors``; the package itself → ``ack_irsa``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "ack_irsa"


def graph() -> dict[str, set[str]]:
    return {module_name(path): imports_of(path) for path in PACKAGE.rglob("*.py")}


def violations(edges: dict[str, set[str]], allowed: dict[str, set[str]]) -> list[str]:
    found = []
    for module, targets in sorted(edges.items()):
        source = layer_of(module)
        for target in sorted(targets):
            layer = layer_of(target)
            if layer == source:
                continue
            if source == "ack_irsa":  # the package's lazy public names
                ok = layer in {"components", "spec"}
            elif source == "__main__":
                ok = layer == "commands"
            elif layer == "ack_irsa":  # only the version may be read from the package itself
                ok = True
            else:
                ok = layer in allowed.get(source, set())
            if not ok:
                found.append(f"{module} imports {target}")
    return found


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle among the package's modules (an import of a package counts as one of its
    ``__init__``)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in sorted(edges.get(module, ())):
            if target not in edges:
                continue
            if state.get(target) == 1:
                found.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module)
    return found


def test_the_table_names_every_folder_and_only_lower_ones() -> None:
    allowed = allowed_imports(ARCHITECTURE.read_text(encoding="utf-8"))
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert set(allowed) == folders | {"errors"}
    # the table is a ladder: each row may import only rows above it
    order = list(allowed)
    for index, folder in enumerate(order):
        assert allowed[folder] <= set(order[:index]), folder


def test_every_import_follows_the_layers() -> None:
    allowed = allowed_imports(ARCHITECTURE.read_text(encoding="utf-8"))
    assert violations(graph(), allowed) == []


def test_no_import_cycle_anywhere() -> None:
    assert cycles(graph()) == []


@pytest.mark.parametrize(
    "folder", sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
)
def test_each_folder_says_what_lives_there_and_what_it_may_import(folder: str) -> None:
    allowed = allowed_imports(ARCHITECTURE.read_text(encoding="utf-8"))
    docstring = ast.get_docstring(ast.parse((PACKAGE / folder / "__init__.py").read_text(encoding="utf-8"))) or ""
    said = docstring.split("May import:", 1)
    assert len(said) == 2, f"ack_irsa/{folder}/__init__.py does not say what it may import"
    assert set(re.findall(r"``([a-z_]+)``", said[1])) == allowed[folder]


def test_the_package_top_level_holds_only_the_ground_floor() -> None:
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py", "errors.py"]


# The checks above must be able to fail: each is given what it exists to refuse.


def test_a_lower_layer_importing_a_higher_one_is_a_violation() -> None:
    allowed = {"errors": set(), "iam": {"errors"}, "stack": {"iam", "errors"}}
    edges = {"ack_irsa.iam.arns": {"ack_irsa.stack.config", "ack_irsa.errors"}, "ack_irsa.stack.config": set()}
    assert violations(edges, allowed) == ["ack_irsa.iam.arns imports ack_irsa.stack.config"]


def test_a_cycle_is_found() -> None:
    edges = {"a.x.one": {"a.x.two"}, "a.x.two": {"a.y.three"}, "a.y.three": {"a.x.one"}}
    assert cycles(edges) == [["a.x.one", "a.x.two", "a.y.three", "a.x.one"]]


def test_lazy_and_type_checking_imports_count(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ack_irsa.components.controller import ControllerIrsa\n"
        "def f():\n    from ack_irsa.iam import arns\n    import ack_irsa.review.plan\n"
    )
    assert imports_of(source) == {
        "ack_irsa.components.controller",
        "ack_irsa.iam.arns",
        "ack_irsa.review.plan",
    }
