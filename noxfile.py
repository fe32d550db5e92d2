"""Developer tasks: ``nox`` runs the tests on every supported Python, lint, typing and examples."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
# uv installs without compiling bytecode, unlike pip, and where PYTHONDONTWRITEBYTECODE is
# set (as on these machines) nothing writes it later: every xdist worker and every process
# a test starts would compile boto3, moto and Pulumi from source again. Compile once, at
# install, as a pip install does.
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")
nox.options.sessions = ["tests", "lint", "typecheck", "examples", "package", "docs"]
# On CI a missing interpreter is a failure, not a skip: "all four" must mean all four.
nox.options.error_on_missing_interpreters = "CI" in os.environ

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
PYTHONS = nox.project.python_versions(PYPROJECT)


def _find_pyenv_pythons() -> None:
    """Put pyenv's interpreters on PATH, ahead of its shims.

    pyenv's ``python3.X`` shims fail unless that version is activated; the real
    binaries under ``$(pyenv root)/versions`` always work.
    """
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return
    root = subprocess.run(  # noqa: S603 - a fixed command, found on PATH
        [pyenv, "root"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if not root:
        return
    bins = [
        str(candidate)
        for version in PYTHONS
        for candidate in sorted(Path(root, "versions").glob(f"{version}.*/bin"), reverse=True)[:1]
    ]
    os.environ["PATH"] = os.pathsep.join([*bins, os.environ.get("PATH", "")])


_find_pyenv_pythons()


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the whole test suite on one Python."""
    session.install(".[pulumi,toml]", *nox.project.dependency_groups(PYPROJECT, "tests"))
    # pytest rewrites the asserts of every test module, and of hypothesis and slrkit (they
    # are plugins), in each worker and in each pytest a test starts: seconds of every run,
    # unless it may keep what it rewrote, which PYTHONDONTWRITEBYTECODE forbids.
    session.run(
        "pytest", "--numprocesses", "auto", *session.posargs, env={"PYTHONDONTWRITEBYTECODE": ""}
    )


@nox.session(python=PYTHONS[-1])
def lint(session: nox.Session) -> None:
    """ruff (lint and format) and bandit."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("bandit", "--configfile", "pyproject.toml", "--quiet", "--recursive", "src")


@nox.session(python=PYTHONS[0])
def typecheck(session: nox.Session) -> None:
    """mypy --strict and pyright on src, tests, examples and this file; complete public types."""
    session.install("-e", ".[pulumi,toml]", *nox.project.dependency_groups(PYPROJECT, "typing"))
    session.run("mypy")
    session.run("pyright")
    # Every public name's type is known to a user's checker: exits non-zero below 100%.
    session.run("pyright", "--verifytypes", "slrkit", "--ignoreexternal")


@nox.session(python=PYTHONS[-1])
def package(session: nox.Session) -> None:
    """Build the sdist and wheel, check them, and install the wheel where nothing else is."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "package"))
    dist = Path(session.create_tmp()) / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", str(dist))
    session.run("twine", "check", "--strict", *map(str, sorted(dist.iterdir())))
    [wheel] = dist.glob("*.whl")
    [sdist] = dist.glob("*.tar.gz")
    in_wheel = zipfile.ZipFile(wheel).namelist()
    with tarfile.open(sdist) as archive:
        in_sdist = archive.getnames()
    for names, wanted in ((in_wheel, ("slrkit/py.typed", "/LICENSE")), (in_sdist, ("/LICENSE",))):
        missing = [w for w in wanted if not any(n.endswith(w) for n in names)]
        if missing:
            session.error(f"the package lacks {', '.join(missing)}")
    session.install(str(wheel))
    session.run("slrkit", "--version")
    session.run("python", "-c", "import slrkit; print(slrkit.__version__)")


@nox.session(python=PYTHONS[-1])
def docs(session: nox.Session) -> None:
    """Build the site in docs/ with `mkdocs build --strict`: any warning fails it."""
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "docs"))
    site = Path(session.create_tmp()) / "site"
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        str(site),
        *session.posargs,
        env={"NO_MKDOCS_2_WARNING": "1"},  # Material's notice about its successor, not ours
    )


@nox.session(python=PYTHONS[-1])
def soak(session: nox.Session) -> None:
    """Every fault at every call, and thousands of random lifecycles (not in CI: minutes)."""
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "tests"))
    session.run(
        "pytest",
        "tests/test_reliability_faults.py",
        "tests/test_reliability_stateful.py",
        "tests/test_concurrency.py",
        *session.posargs,
        env={"SLRKIT_HYPOTHESIS_PROFILE": "soak", "SLRKIT_FAULT_MATRIX": "full"},
    )


@nox.session(python=PYTHONS[-1])
def contract(session: nox.Session) -> None:
    """The contract suite alone; against a real account with `-- --aws-account=ID`.

    docs/guides/testing.md says how.

    Not in the default sessions: `tests` runs it against the fake already, and a run
    against an account needs that account named twice (the option and
    SLRKIT_CONTRACT_ACCOUNT) and its credentials, which are passed through.
    """
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "tests"))
    session.run("pytest", "tests/contract", *session.posargs)


@nox.session(python=PYTHONS[-1])
def audit(session: nox.Session) -> None:
    """pip-audit on the locked dependency set (uv.lock): every group and extra."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "audit"))
    requirements = Path(session.create_tmp()) / "requirements.txt"
    session.run(
        "uv",
        "export",
        "--frozen",
        "--all-groups",
        "--all-extras",
        "--no-emit-project",
        "--format",
        "requirements-txt",
        "--output-file",
        str(requirements),
    )
    session.run(
        "pip-audit", "--strict", "--require-hashes", "--disable-pip", "-r", str(requirements)
    )


@nox.session(python=PYTHONS[-1])
def bench(session: nox.Session) -> None:
    """Benchmarks, each figure a ratio against a baseline of the same run; writes BENCHMARKS.md."""
    session.install(".[pulumi]", *nox.project.dependency_groups(PYPROJECT, "tests"))
    session.run("python", "-m", "benchmarks.run", *session.posargs)


@nox.session(python=PYTHONS[-1])
def examples(session: nox.Session) -> None:
    """Run every example against the fake."""
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "tests"))
    for example in sorted((ROOT / "examples").glob("*.py")):
        session.run("python", str(example))
    # The estate file, as a CI job applies it: the plan, the apply, and an apply that must
    # find nothing left to do.
    state = Path(session.create_tmp()) / "estate-fake.json"
    state.unlink(missing_ok=True)
    estate = str(ROOT / "examples" / "estate.toml")
    apply = ["slrkit", "--fake", "--fake-state", str(state), "apply", estate]
    session.run(*apply)
    session.run(*apply, "--yes")
    again = session.run(*apply, "--yes", "--json", "-q", silent=True)
    if not isinstance(again, str) or any(
        item["action"] != "unchanged" for item in json.loads(again)["result"]["items"]
    ):
        session.error(f"a second apply of examples/estate.toml changed something: {again}")
    # A downstream project's own tests on the fake (the fake_aws fixture), run as its users
    # run them: through its own noxfile, on a CI runner whose AWS settings point elsewhere.
    session.run(
        sys.executable,
        "-m",
        "nox",
        "--noxfile",
        str(ROOT / "examples" / "nox_integration" / "noxfile.py"),
        "--python",
        str(session.python),
        external=True,
        env={
            "AWS_PROFILE": "ci-deployer",
            "AWS_DEFAULT_REGION": "mars-north-9",
            "AWS_ENDPOINT_URL": "http://192.0.2.1:9",
            "AWS_CONFIG_FILE": str(ROOT / "noxfile.py"),  # not an AWS config file
        },
    )
