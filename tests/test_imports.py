"""The import graph of ``src/slrkit``: no cycles, and the fake's engine stays inside the fake.

The graph is read with `ast`, not by importing: every ``import`` and ``from ... import``
of a slrkit module counts, at module level and inside functions alike (a lazy import
still closes a cycle when it runs), except under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Final

SRC: Final = Path(__file__).parent.parent / "src"
PACKAGE: Final = "slrkit"


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: Final = {module_name(path): path for path in sorted((SRC / PACKAGE).rglob("*.py"))}


def is_type_checking(test: ast.expr) -> bool:
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", None)
    return name == "TYPE_CHECKING"


def runtime_nodes(node: ast.AST) -> list[ast.AST]:
    """Every node below *node*, leaving out the bodies of ``if TYPE_CHECKING:``."""
    found: list[ast.AST] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and is_type_checking(child.test):
            for other in child.orelse:
                found += [other, *runtime_nodes(other)]
            continue
        found += [child, *runtime_nodes(child)]
    return found


def imported(module: str, node: ast.AST) -> set[str]:
    """The slrkit modules that *node* (an import statement of *module*) imports."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name.split(".")[0] == PACKAGE}
    if not isinstance(node, ast.ImportFrom):
        return set()
    base = node.module or ""
    if node.level:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    if base.split(".")[0] != PACKAGE:
        return set()
    return {
        f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
        for alias in node.names
    }


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[module] = {
            target
            for node in runtime_nodes(tree)
            for target in imported(module, node)
            if target in MODULES
        }
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or not (a self-import too)."""
    reach: dict[str, set[str]] = {}
    for start, targets in graph.items():
        seen: set[str] = set()
        todo = list(targets)
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo += graph[node]
        reach[start] = seen
    groups = {
        tuple(sorted(other for other in reach[module] if module in reach[other]))
        for module in graph
        if module in reach[module]
    }
    return [list(group) for group in sorted(groups)]


def test_the_graph_reader_sees_lazy_imports_and_skips_type_checking() -> None:
    """The reader counts an import inside a function and ignores one under TYPE_CHECKING,
    so the tests below can fail."""
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from slrkit._kit import ProfilesKit\n"
        "def later():\n    from slrkit import _evidence\n"
    )
    seen = {t for node in runtime_nodes(tree) for t in imported("slrkit.testing", node)}
    assert seen == {"slrkit._evidence"}
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"c"}, "d": set()}) == [["a", "b"], ["c"]]


def test_no_import_cycle_among_runtime_imports() -> None:
    """No slrkit module imports, even lazily, a module that imports it back."""
    graph = import_graph()
    assert len(graph) > 30
    assert cycles(graph) == []


def test_only_the_fake_touches_its_engine() -> None:
    """Outside ``slrkit._fake`` and ``slrkit.testing``, no module imports the engine's module
    or reads an ``_engine`` attribute: the rest of slrkit goes through the fake's public API."""
    allowed = ("slrkit._fake", "slrkit.testing")
    touching: list[str] = []
    for module, path in MODULES.items():
        if module == allowed[1] or module.startswith(allowed[0]):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            attribute = isinstance(node, ast.Attribute) and node.attr == "_engine"
            if attribute or "slrkit._fake._engine" in imported(module, node):
                touching.append(f"{module}:{getattr(node, 'lineno', '?')}")
    assert touching == []
