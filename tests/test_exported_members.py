"""The public surface: every exported name resolves, is documented, and loads lazily."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import slrkit
from slrkit import exceptions, testing


def test_every_exported_name_resolves_and_is_documented() -> None:
    """Each name in slrkit.__all__ exists and carries a docstring (constants aside)."""
    for name in slrkit.__all__:
        value = getattr(slrkit, name)
        if not name.isupper():
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


def test_import_slrkit_loads_neither_boto3_nor_the_optional_parts() -> None:
    """`import slrkit` stays cheap: boto3, the fake, the CLI and Pulumi load on first use."""
    code = (
        "import sys, slrkit; "
        "heavy = ['boto3', 'botocore', 'slrkit.testing', 'slrkit._cli', 'pulumi']; "
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    loaded = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""
