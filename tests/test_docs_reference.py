"""The documentation's reference names every public name once, and its links go where they say."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Final

import pytest

import slrkit
from slrkit import exceptions, testing

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT: Final = Path(__file__).parent.parent
REFERENCE: Final = ROOT / "docs" / "reference"
ENTRY: Final = re.compile(r"^::: (slrkit(?:\.[\w.]+)?)\s*$", flags=re.MULTILINE)


def _entries() -> list[str]:
    """Every ``::: name`` of the reference pages, in the order they appear."""
    return [
        name
        for page in sorted(REFERENCE.glob("*.md"))
        for name in ENTRY.findall(page.read_text(encoding="utf-8"))
    ]


def _public_names() -> set[str]:
    pulumi = pytest.importorskip("slrkit.pulumi", reason="the pulumi extra")
    return {
        *(f"slrkit.{name}" for name in slrkit.__all__),
        *(f"slrkit.testing.{name}" for name in testing.__all__),
        *(f"slrkit.pulumi.{name}" for name in pulumi.__all__),
    }


def test_every_public_name_has_one_reference_entry() -> None:
    """Each name of the __all__ of slrkit, slrkit.testing and slrkit.pulumi has exactly one
    ``::: name`` entry, which mkdocstrings renders (the strict build fails on one that names
    nothing); an error of slrkit.exceptions is documented once, as ``slrkit.<name>``."""
    entries = [e for e in _entries() if e.count(".") >= 1 and e != "slrkit.exceptions"]
    entries = [e for e in entries if e not in {"slrkit.testing", "slrkit.pulumi"}]
    public = _public_names()
    plugin = {"slrkit._pytest_plugin.fake_aws"}
    assert sorted(set(entries) - public - plugin) == []  # no entry for a name that is not public
    assert sorted(public - set(entries)) == []  # no public name without its entry
    assert len(entries) == len(set(entries))  # each once
    assert set(exceptions.__all__) <= set(slrkit.__all__)


def test_the_module_pages_carry_their_docstrings() -> None:
    """The error tree and the modules' overviews come from their docstrings."""
    assert set(_entries()) >= {"slrkit.exceptions", "slrkit.testing", "slrkit.pulumi"}


def _urls() -> dict[str, str]:
    """pyproject's [project.urls], by name."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        urls: dict[str, str] = tomllib.load(file)["project"]["urls"]
    return urls


def test_the_readme_links_work_on_a_package_index_page() -> None:
    """Every link of the README is absolute; one into the documentation names a page that
    exists in docs/, and one into the repository names a file that exists."""
    urls = _urls()
    docs, source = urls["Documentation"], urls["Source"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert links
    assert [link for link in links if not link.startswith("https://")] == []
    for link in links:
        if link.startswith(docs):
            path = link.removeprefix(docs).split("#")[0].strip("/")
            index = path in {"", "reference"}
            page = (
                REFERENCE.parent / path / "index.md" if index else REFERENCE.parent / f"{path}.md"
            )
            assert page.exists(), link
        elif link.startswith((f"{source}/blob/main/", f"{source}/tree/main/")):
            assert (ROOT / link.split("/main/", 1)[1]).exists(), link
    mkdocs = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert f"site_url: {docs} " in mkdocs
    assert f"repo_url: {source}\n" in mkdocs
