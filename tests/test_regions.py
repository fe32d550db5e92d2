"""The supported-region table and `validate_region`."""

from __future__ import annotations

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st

import slrkit
from slrkit import SUPPORTED_REGIONS, UnsupportedRegionError, validate_region

AWS_PAGE_ORDER = (
    "us-east-1",
    "us-west-2",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ca-central-1",
    "eu-central-1",
    "eu-west-2",
    "af-south-1",
)


def test_table_is_the_aws_page_in_its_order() -> None:
    """SUPPORTED_REGIONS lists the ten regions of the AWS page, in the page's order."""
    assert SUPPORTED_REGIONS == AWS_PAGE_ORDER
    assert slrkit.REGION_NAMES["eu-west-2"] == "Europe (London)"


def test_table_matches_botocore_endpoint_data() -> None:
    """botocore's endpoint data for customer-profiles names the same ten regions.

    If AWS adds a region this test fails and tells us; users are not affected,
    because the table only grows when we add to it.
    """
    available = boto3.Session().get_available_regions("customer-profiles")
    assert sorted(available) == sorted(SUPPORTED_REGIONS)


@pytest.mark.parametrize("region", AWS_PAGE_ORDER)
def test_supported_region_is_returned_unchanged(region: str) -> None:
    """Each supported region validates and comes back as it was given."""
    assert validate_region(region) == region


@pytest.mark.parametrize(
    ("region", "suggestion"),
    [
        ("eu-west-1", "eu-west-2"),
        ("us-east-2", "us-east-1"),
        ("us-west-1", "us-west-2"),
        ("ap-southeast-3", "ap-southeast-2"),
        ("EU-WEST-2", "eu-west-2"),
        ("us-east-1 ", "us-east-1"),
        ("eu-west2", "eu-west-2"),
        ("euwest2", "eu-west-2"),
        ("eu_west_2", "eu-west-2"),
        ("useast2", "us-east-1"),
        ("apnortheast3", "ap-northeast-2"),
        ("eu-west-2\n", "eu-west-2"),
        ("sa-east-1", None),
        ("eu-north-1", None),
        ("../", None),
        ("", None),
    ],
)
def test_unsupported_region_names_it_and_suggests_a_near_miss(
    region: str, suggestion: str | None
) -> None:
    """An unsupported region raises an error naming it, listing the table, with a near miss."""
    with pytest.raises(UnsupportedRegionError) as caught:
        validate_region(region)
    error = caught.value
    assert error.field == "region"
    assert error.value == region
    assert error.suggestion == suggestion
    assert "af-south-1" in str(error)
    assert repr(region) in str(error)
    if suggestion:
        assert repr(suggestion) in str(error)


def test_region_error_is_a_value_error_and_a_slrkit_error() -> None:
    """Callers may catch UnsupportedRegionError as ValueError or as SlrkitError."""
    with pytest.raises(ValueError, match="region"):
        validate_region("mars-north-1")
    with pytest.raises(slrkit.SlrkitError):
        validate_region(None)


@given(st.text())
def test_only_table_entries_validate(region: str) -> None:
    """No string outside the table validates, whatever it is."""
    if region in SUPPORTED_REGIONS:
        assert validate_region(region) == region
    else:
        with pytest.raises(UnsupportedRegionError):
            validate_region(region)
