"""Fixtures shared by the test suite: clients of a fresh fake per test; the suite's options.

The suite sets the machine's AWS settings aside before it collects anything, so that it
passes wherever it runs: on a CI runner whose ``AWS_PROFILE``, region, config files or
endpoint URLs serve its own deployments, say. The tests that are about such a machine
(``tests/test_fake_environment.py``, the docs' examples) set a hostile one themselves.
"""

from __future__ import annotations

import gc
import os
from typing import TYPE_CHECKING

import pytest

from hostile_aws_env import is_aws_setting
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_iam.client import IAMClient
    from mypy_boto3_sts.client import STSClient

pytest_plugins = ["pytester"]

REGION = "eu-west-2"


def pytest_addoption(parser: pytest.Parser) -> None:
    """The contract suite's options (tests/contract): here, where pytest reads them first."""
    group = parser.getgroup("slrkit contract", "slrkit's contract with AWS (tests/contract)")
    group.addoption(
        "--aws-account",
        metavar="ID",
        help="run the contract suite against this real AWS account, which "
        "SLRKIT_CONTRACT_ACCOUNT must also name; it creates and removes domains "
        "named slrkit-contract-*",
    )
    group.addoption(
        "--contract-observations",
        metavar="FILE",
        help="where the contract suite writes what it observed (default: "
        "contract-observations.json against an account, a temporary file otherwise)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Set the machine's AWS settings aside, unless the contract suite runs against an account
    (``--aws-account``), which needs them."""
    if config.getoption("--aws-account", default=None) is not None:
        return
    for name in [name for name in os.environ if is_aws_setting(name)]:
        del os.environ[name]
    os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull


def pytest_collection_finish(session: pytest.Session) -> None:
    """Spare the tests' garbage collections what outlives them all, and most of their runs.

    Every test makes botocore clients, whose object graphs are cycles: at the default gen0
    threshold (700) they outlive two young collections, die in the oldest generation, and
    its full collections, over everything imported and collected too, took a quarter of a
    test's time. Frozen, that stays out of every collection; with a larger young
    generation, a test's clients mostly die young.
    """
    del session
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, *gc.get_threshold()[1:])


@pytest.fixture
def fake() -> FakeAWS:
    """A fresh fake with the default account and timings."""
    return FakeAWS()


@pytest.fixture
def cp(fake: FakeAWS) -> CustomerProfilesClient:
    """A Customer Profiles client on the fake, in eu-west-2."""
    return fake.client("customer-profiles", REGION)


@pytest.fixture
def iam(fake: FakeAWS) -> IAMClient:
    """An IAM client on the fake."""
    return fake.client("iam", REGION)


@pytest.fixture
def sts(fake: FakeAWS) -> STSClient:
    """An STS client on the fake."""
    return fake.client("sts", REGION)
