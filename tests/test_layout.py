"""The package's rooms keep to themselves: no module uses another module's private names.

A private name that another module needs is an interface, and gets a public name
in its own module. Package-private by design (see pyproject.toml): the
``_from_api`` and ``_to_api`` converters of the value classes.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Final

import pytest

SRC: Final = Path(__file__).parent.parent / "src" / "slrkit"
MODULES: Final = sorted(SRC.rglob("*.py"))
CONVERTERS: Final = frozenset({"_from_api", "_to_api"})


def _module_names() -> set[str]:
    """Every importable module and package of slrkit, by its last name (``_kit``, ``_fake``)."""
    return {p.stem if p.name != "__init__.py" else p.parent.name for p in MODULES}


def _private_imports(path: Path) -> list[str]:
    modules = _module_names()
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("slrkit"):
            found.extend(
                f"{node.lineno}: from {node.module} import {alias.name}"
                for alias in node.names
                if alias.name.startswith("_") and alias.name not in modules
            )
    return found


def _private_attributes(path: Path) -> list[str]:
    """``x._name`` where ``x`` is not ``self`` or ``cls``: a reach into another object's room."""
    return [
        f"{node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and node.attr not in CONVERTERS
        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
    ]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_imports_a_private_name_of_another(path: Path) -> None:
    """``from slrkit.x import _y`` names only modules, never a private function or class."""
    assert _private_imports(path) == []


@pytest.mark.parametrize(
    "name",
    [
        "_kit.py",
        "_fleet.py",
        "_pulumi_props.py",
        "_pulumi_crud.py",
        "pulumi.py",
        "_cli/commands.py",
        "_cli/delete.py",
    ],
)
def test_the_users_of_the_rooms_reach_into_none_of_them(name: str) -> None:
    """The kit, the fleet, the Pulumi provider and the command line use only public names of
    the objects they hold (the fleet calls no ``kit._`` method, say)."""
    assert _private_attributes(SRC / name) == []
