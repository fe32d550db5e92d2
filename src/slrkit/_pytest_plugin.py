"""slrkit's pytest plugin (entry point ``pytest11: slrkit``): the ``fake_aws`` fixture.

Nothing heavy is imported at plugin load: boto3 and the fake are imported inside
the fixture, so having slrkit installed costs a test run nothing until a test
asks for the fixture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from slrkit.testing import FakeAWS

__all__ = ["fake_aws"]


@pytest.fixture
def fake_aws() -> Iterator[FakeAWS]:
    """A fresh `slrkit.testing.FakeAWS` (account 123456789012, virtual time) per test."""
    from slrkit.testing import FakeAWS  # noqa: PLC0415  # keep plugin load free of boto3

    fake = FakeAWS()
    yield fake
    fake.reset()
