"""Figure 4: ``import slrkit`` against ``import boto3``, in fresh processes; and what loads lazily.

Each sample is the wall time of a whole ``python -c "import ..."`` process, so
both sides pay the interpreter's start-up; the two commands alternate, and the
order flips every pair. ``sys.modules`` then shows what ``import slrkit``
loads, which must not include Pulumi, the command line or the fake.
"""

from __future__ import annotations

import subprocess
import sys
import time

from benchmarks._harness import Detail, Row, Section, Spread, python_version, ratios

__all__ = ["run"]

COMMANDS = {
    "slrkit": "import slrkit",
    "first use": "from slrkit import ProfilesKit",
    "boto3": "import boto3",
}
# Loaded only when used: the Pulumi extra, the command line, the fake and moto.
LAZY = (
    "pulumi",
    "slrkit.pulumi",
    "slrkit._pulumi_crud",
    "slrkit._cli",
    "slrkit.testing",
    "slrkit._fake",
    "moto",
)


def _once(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603  # our own interpreter
    return time.perf_counter() - started


def _loaded(code: str) -> set[str]:
    """The modules a fresh process holds once it has run *code*.

    Read from ``sys.modules``: ``-X importtime`` leaves out what `importlib.import_module`
    loads, which is how the package's lazy names load.
    """
    done = subprocess.run(  # noqa: S603  # our own interpreter
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        check=True,
        capture_output=True,
        text=True,
    )
    return set(done.stdout.split())


def _lazy_rows() -> list[list[str]]:
    rows: list[list[str]] = []
    for code in ("import slrkit", "from slrkit import ProfilesKit, Fleet", "import slrkit.testing"):
        loaded = _loaded(code)
        eager = sorted(
            name
            for name in loaded
            if any(name == lazy or name.startswith(lazy + ".") for lazy in LAZY)
            and not (
                code == "import slrkit.testing"
                and name.startswith(("slrkit.testing", "slrkit._fake"))
            )
        )
        own = sorted(name for name in loaded if name.startswith("slrkit"))
        rows.append(
            [
                f"`{code}`",
                f"{len(loaded)} modules; {len(own)} of slrkit",
                ", ".join(eager) if eager else "none",
                "met" if not eager else "**missed**",
            ]
        )
    return rows


def _ms(samples: list[float]) -> str:
    return f"{1e3 * Spread.of(samples).median:.0f} ms"


def run(*, pairs: int = 25) -> Section:
    """Figure 4 rows and the lazy-loading check."""
    for code in COMMANDS.values():  # the first runs fill the OS and bytecode caches
        _once(code)
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    names = list(COMMANDS)
    for turn in range(pairs):
        shift = turn % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(_once(COMMANDS[name]))
    rows = [
        Row(
            figure=f"4. Import time{suffix}",
            measured=f'`python -c "{COMMANDS[name]}"` {_ms(samples[name])}',
            baseline=f'`python -c "import boto3"` {_ms(samples["boto3"])}',
            ratio=Spread.of(ratios(samples[name], samples["boto3"])),
            at_most=1.10,
            method=(
                f"{python_version()}; {pairs} interleaved rounds of fresh processes (wall "
                "time, start-up included); median (IQR) of per-round ratios"
            ),
        )
        for name, suffix in (("slrkit", ""), ("first use", ", with the kit loaded"))
    ]
    detail = Detail(
        title="4. What loads only when used",
        header=(
            "Import",
            "Modules loaded (`sys.modules`)",
            "Eager: Pulumi, CLI, fake, moto",
            "Verdict",
        ),
        rows=_lazy_rows(),
        note="`import slrkit.testing` may load the fake itself, but not Pulumi, the CLI or moto.",
    )
    return Section(rows=rows, details=[detail])
