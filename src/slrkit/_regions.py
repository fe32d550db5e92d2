"""The regions where Customer Profiles (and so its service-linked role) exists.

The table is the one on the AWS page "Using service-linked roles for Amazon
Connect Customer Profiles", in its order. botocore's endpoint data lists the
same ten; a test compares the two so that a new region is noticed.
"""

from __future__ import annotations

import os
import re
from types import MappingProxyType
from typing import Final

from slrkit.exceptions import UnsupportedRegionError

__all__ = ["REGION_NAMES", "SUPPORTED_REGIONS", "configured_region", "validate_region"]

REGION_NAMES: Final = MappingProxyType(
    {
        "us-east-1": "US East (N. Virginia)",
        "us-west-2": "US West (Oregon)",
        "ap-northeast-2": "Asia Pacific (Seoul)",
        "ap-southeast-1": "Asia Pacific (Singapore)",
        "ap-southeast-2": "Asia Pacific (Sydney)",
        "ap-northeast-1": "Asia Pacific (Tokyo)",
        "ca-central-1": "Canada (Central)",
        "eu-central-1": "Europe (Frankfurt)",
        "eu-west-2": "Europe (London)",
        "af-south-1": "Africa (Cape Town)",
    }
)
"""Region code to its name, in the order of the AWS table."""

SUPPORTED_REGIONS: Final[tuple[str, ...]] = tuple(REGION_NAMES)
"""The ten region codes where Customer Profiles runs, in the order of the AWS table."""

_REGION_SHAPE: Final = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]+")


def configured_region(profile_name: str | None = None) -> str | None:
    """The region the user's AWS configuration names, unvalidated, or None.

    ``AWS_REGION`` first (the AWS CLI v2 and most SDKs read it; boto3 does not),
    then what boto3 finds: ``AWS_DEFAULT_REGION``, then the profile's ``region``.

    Raises:
        botocore.exceptions.ProfileNotFound: *profile_name* names no profile.
    """
    import boto3  # noqa: PLC0415 - `slrkit regions` and `import slrkit` stay without boto3

    return os.environ.get("AWS_REGION") or boto3.Session(profile_name=profile_name).region_name


def validate_region(region: object) -> str:
    """Return *region* if Customer Profiles runs there.

    Nothing is normalised: ``"EU-WEST-2"`` and ``"us-east-1 "`` are refused (with
    the region they most likely mean), because botocore would build a wrong
    endpoint from them without complaint.

    Raises:
        UnsupportedRegionError: The region is empty, malformed or not in the table. The
            message lists the supported regions and, for a near miss such as
            ``eu-west-1``, suggests the closest one.
    """
    if isinstance(region, str) and region in REGION_NAMES:
        return region
    supported = ", ".join(SUPPORTED_REGIONS)
    if not isinstance(region, str) or not region:
        rule = f"must be one of the supported regions: {supported}"
        raise UnsupportedRegionError(region, rule)
    if not _REGION_SHAPE.fullmatch(region):
        suggestion = _closest(region)
        hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
        rule = f"is not a region code like 'eu-west-2'{hint}; supported: {supported}"
        raise UnsupportedRegionError(region, rule, suggestion)
    suggestion = _closest(region)
    hint = f"; the closest supported region is {suggestion!r}" if suggestion else ""
    rule = f"Customer Profiles does not run there{hint}; supported: {supported}"
    raise UnsupportedRegionError(region, rule, suggestion)


def _closest(region: str) -> str | None:
    """The supported region a typo or a neighbour most likely meant, if any.

    Case, spaces and separators are forgiven (``EU-WEST-2``, ``eu-west2``,
    ``euwest2`` and ``eu_west_2`` all mean ``eu-west-2``). A near miss shares the area
    and the direction (``us-east-2`` -> ``us-east-1``); ``sa-east-1`` has no near
    miss, and guessing one would mislead.
    """
    squashed = _squash(region)
    for code in SUPPORTED_REGIONS:
        if squashed == _squash(code):
            return code
    parts = _PARTS.fullmatch(squashed)
    if parts is None:
        return None
    area, direction, number = parts.groups()
    near = [
        code
        for code in SUPPORTED_REGIONS
        if _squash(code.rsplit("-", 1)[0]) == f"{area}{direction}"
    ]
    if not near:
        return None
    return min(near, key=lambda code: abs(int(code.rsplit("-", 1)[1]) - int(number)))


def _squash(region: str) -> str:
    return re.sub(r"[^a-z0-9]", "", region.lower())


_PARTS: Final = re.compile(r"([a-z]{2})([a-z]+)([0-9]+)")
"""A squashed region code: area, direction, number (``euwest2``)."""
