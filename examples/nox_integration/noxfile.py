"""The noxfile a project that uses slrkit writes to run its own tests offline, on slrkit's fake.

slrkit ships a pytest plugin: every test that asks for the ``fake_aws`` fixture gets
a fresh `slrkit.testing.FakeAWS`, with no AWS account, network or real sleeps, so the
same suite runs on every Python and on any CI runner.

    cd examples/nox_integration && nox
"""

from __future__ import annotations

from pathlib import Path

import nox

HERE = Path(__file__).parent
# A downstream project installs "slrkit" from PyPI; this example uses the checkout it sits in.
SLRKIT = str(HERE.parent.parent)

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"


@nox.session(python=["3.10", "3.11", "3.12", "3.13"])
def tests(session: nox.Session) -> None:
    """The project's tests, on slrkit's fake, on each Python found on the machine."""
    session.install(SLRKIT, "pytest")
    # Nothing to unset: the fake reads none of the machine's AWS settings, so a CI
    # runner's AWS_PROFILE, region or endpoint URLs change nothing.
    session.run("pytest", "-q", "-p", "no:cacheprovider", str(HERE), *session.posargs)
