"""AWS partitions: which one a region belongs to, as botocore's endpoint data says.

A partition (``aws``, ``aws-cn``, ``aws-us-gov``...) is the first field of every
ARN after ``arn:``, so the fake writes ``arn:aws-cn:iam::...`` for a call signed
for ``cn-north-1``. botocore's ``endpoints.json`` names each partition's regions
and a pattern for the ones it does not list yet; a region no partition claims
(``xx-fake-1``) resolves to ``aws``, as botocore resolves its endpoint.
"""

from __future__ import annotations

import functools
import re
from typing import Final, cast

from slrkit._fake._loader import shared_loader

__all__ = ["DEFAULT_PARTITION", "in_partition", "partition_of"]

DEFAULT_PARTITION: Final = "aws"


@functools.cache
def _partitions() -> tuple[tuple[str, frozenset[str], re.Pattern[str]], ...]:
    data = cast("dict[str, list[dict[str, object]]]", shared_loader().load_data("endpoints"))
    return tuple(
        (
            str(partition["partition"]),
            frozenset(cast("dict[str, object]", partition.get("regions", {}))),
            re.compile(str(partition["regionRegex"])),
        )
        for partition in data["partitions"]
    )


@functools.lru_cache(maxsize=256)
def partition_of(region: str) -> str:
    """The partition *region* belongs to (``aws`` for one no partition claims)."""
    for name, regions, _ in _partitions():
        if region in regions:
            return name
    for name, _, pattern in _partitions():
        if pattern.match(region):
            return name
    return DEFAULT_PARTITION


def in_partition(arn: str, partition: str) -> str:
    """*arn* with *partition* in its partition field (``arn:aws:iam::aws:policy/...``)."""
    scheme, _, rest = arn.partition(":")
    _, _, resource = rest.partition(":")
    return f"{scheme}:{partition}:{resource}"
