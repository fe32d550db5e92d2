"""The public surface: every exported name resolves, is documented, and loads lazily."""

from __future__ import annotations

import ast
import itertools
import subprocess
import sys
import typing
from importlib.metadata import version
from pathlib import Path

import slrkit
from slrkit import exceptions, testing

if typing.TYPE_CHECKING:
    from collections.abc import Sequence


def _documented_aliases() -> set[str]:
    """Names assigned at a module's top level and followed by a docstring (type aliases)."""
    found: set[str] = set()
    for path in Path(slrkit.__file__).parent.rglob("*.py"):
        body = ast.parse(path.read_text(encoding="utf-8")).body
        for node, after in itertools.pairwise(body):
            targets = node.targets if isinstance(node, ast.Assign) else []
            documented = isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
            found.update(t.id for t in targets if isinstance(t, ast.Name) and documented)
    return found


def test_every_exported_name_resolves_and_is_documented() -> None:
    """Each name in slrkit.__all__ exists and carries a docstring (constants aside); a type
    alias, which has none at run time, has one in its source."""
    aliases = _documented_aliases()
    for name in slrkit.__all__:
        value = getattr(slrkit, name)
        if typing.get_origin(value) is typing.Literal:
            assert name in aliases, name
        elif not name.isupper():
            assert value.__doc__, name
    assert sorted(slrkit.__all__, key=lambda n: (not n.isupper(), n)) == slrkit.__all__


def test_dir_lists_the_public_names() -> None:
    """dir(slrkit) shows the public names, the lazy ones included."""
    assert {"ProfilesKit", "Fleet", "__version__"} <= set(dir(slrkit))


def test_version_comes_from_the_package_metadata() -> None:
    """slrkit.__version__ is the installed distribution's version."""
    assert slrkit.__version__ == version("slrkit-aws")


def test_testing_and_exceptions_export_what_they_document() -> None:
    """slrkit.testing and slrkit.exceptions export only names that exist."""
    for module in (testing, exceptions):
        for name in module.__all__:
            assert getattr(module, name).__doc__, f"{module.__name__}.{name}"


def _loaded_after(steps: Sequence[str], watched: Sequence[str]) -> list[str]:
    """Run *steps* in a fresh interpreter; after each, the *watched* modules it holds."""
    report = f"print(','.join(m for m in {list(watched)!r} if m in sys.modules))"
    code = "\n".join(["import sys", *(f"{step}\n{report}" for step in steps)])
    return subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()


def test_import_slrkit_loads_neither_boto3_nor_the_optional_parts() -> None:
    """`import slrkit` stays cheap: boto3, the fake, the CLI and Pulumi load on first use."""
    heavy = ["boto3", "botocore", "slrkit.testing", "slrkit._cli", "pulumi"]
    assert _loaded_after(["import slrkit"], heavy) == [""]


def test_importing_the_kit_loads_boto3_but_neither_attrs_nor_the_rooms() -> None:
    """`from slrkit import ProfilesKit` costs boto3 and the argument checks; attrs and the
    rooms load with the first kit, and an operation loads nothing more."""
    steps = [
        "from slrkit import ProfilesKit",
        "from slrkit.testing import FakeAWS\nfake = FakeAWS()",
        "kit = ProfilesKit('eu-west-2', session=fake.session('eu-west-2'))",
        "print(kit.ensure_domain('acme', default_expiration_days=7).action)",
    ]
    heavy = [
        "boto3",
        "attrs",
        "slrkit._models",
        "slrkit._verbs",
        "slrkit._ensure",
        "slrkit._attribution",
        "slrkit._deletion",
    ]
    rooms = ",".join(heavy)
    assert _loaded_after(steps, heavy) == [
        "boto3",
        "boto3,attrs",
        rooms,
        "created",
        rooms,
    ]
