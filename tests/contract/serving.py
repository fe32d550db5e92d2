"""A plain boto3 program's environment, pointed at ``slrkit serve`` by the standard variables."""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING

import pytest

from .probe import ACCOUNT_VARIABLE

if TYPE_CHECKING:
    from collections.abc import Generator
    from pathlib import Path

    from slrkit.testing import FakeServer

__all__ = ["REGION", "environment_of"]

REGION = "eu-west-2"


@contextlib.contextmanager
def environment_of(
    server: FakeServer, folder: Path, *, account: str | None
) -> Generator[None, None, None]:
    """Point every new `boto3.Session` at *server*, as a user would point it at AWS.

    The machine's AWS settings go; the endpoint variables, dummy keys, a region
    and empty AWS files come in; *account* (if any) goes in ``SLRKIT_CONTRACT_ACCOUNT``.
    """
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("AWS_") or name == ACCOUNT_VARIABLE:
                patch.delenv(name)
        for name, file in (("AWS_CONFIG_FILE", "config"), ("AWS_SHARED_CREDENTIALS_FILE", "keys")):
            (folder / file).write_text("")
            patch.setenv(name, str(folder / file))
        for service in ("CUSTOMER_PROFILES", "IAM", "STS"):
            patch.setenv(f"AWS_ENDPOINT_URL_{service}", server.endpoint_url)
        patch.setenv("AWS_ACCESS_KEY_ID", "AKIASLRKITCONTRACT01")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "slrkit-contract-dummy")
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        if account is not None:
            patch.setenv(ACCOUNT_VARIABLE, account)
        yield
