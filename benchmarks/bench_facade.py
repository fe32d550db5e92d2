"""Figure 2: what slrkit adds over the shortest raw boto3 code making the same calls.

Both sides use the same clients of the same fake, so the ratio is the facade
alone: validation, the call log, error translation and the typed values.

A matching `ensure_domain` adds a few percent to one GetDomain of the fake, so the
figure needs a finer resolution than the others: many short turns, whose two sides
run within milliseconds of each other. Each turn holds some 20 to 30 operations:
10 ms of `ensure_domain` (one call), 50 ms of `describe_linked_role` (four). A
control row times the raw path against a copy of itself as the ensure row: what it
shows is the method's own error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from benchmarks._harness import Row, Section, Timing, interleave_by_group, python_version

from slrkit import ProfilesKit
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["run"]

REGION = "eu-west-2"
DOMAIN = "acme"
TAG = "slrkit:linked-role"


def _paths() -> dict[str, Callable[[], object]]:
    fake = FakeAWS()
    profiles = fake.client("customer-profiles", REGION)
    iam = fake.client("iam", REGION)
    kit = ProfilesKit(
        REGION,
        profiles_client=profiles,
        iam_client=iam,
        sts_client=fake.client("sts", REGION),
        clock=fake.clock,
    )
    created = kit.ensure_domain(DOMAIN, default_expiration_days=365)
    if created.linked_role is None:
        raise RuntimeError("the benchmark domain has no tagged role")

    def raw_describe() -> object:
        # The calls slrkit makes: the domain, its tagged role, the region's other domains
        # (no other tag may name the role), and the role's policies.
        domain = profiles.get_domain(DomainName=DOMAIN)
        name = domain["Tags"][TAG]
        role = iam.get_role(RoleName=name)["Role"]
        others = profiles.list_domains()["Items"]
        policies = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
        return role, others, policies

    def raw_ensure() -> object:
        return profiles.get_domain(DomainName=DOMAIN)["DefaultExpirationDays"] == 365

    # The control's other side: the same code in a function of its own, as the kit's path
    # is, so that the control shows what timing two paths costs, not one path twice.
    def raw_ensure_again() -> object:
        return profiles.get_domain(DomainName=DOMAIN)["DefaultExpirationDays"] == 365

    return {
        "describe slrkit": lambda: kit.describe_linked_role(DOMAIN),
        "describe raw": raw_describe,
        "ensure slrkit": lambda: kit.ensure_domain(DOMAIN, default_expiration_days=365),
        "ensure raw": raw_ensure,
        "control raw": raw_ensure,
        "control again": raw_ensure_again,
    }


def run(*, runs: int = 201) -> Section:
    """Figure 2 rows, and the control's: *runs* turns of the short paths, a fifth of the long."""
    paths = _paths()
    short = {name: path for name, path in paths.items() if not name.startswith("describe ")}
    long = {name: path for name, path in paths.items() if name.startswith("describe ")}
    timing = Timing.joined(
        [
            interleave_by_group(long, runs=max(3, runs // 5), seconds=0.05, warmup=20),
            interleave_by_group(short, runs=runs, seconds=0.01, warmup=20),
        ]
    )
    rows: list[Row] = []
    for op, label, calls in (
        (
            "describe",
            "`describe_linked_role` (tagged)",
            "GetDomain, GetRole, ListDomains, ListAttachedRolePolicies",
        ),
        ("ensure", "`ensure_domain` (matching)", "GetDomain"),
    ):
        slrkit, raw = f"{op} slrkit", f"{op} raw"
        rows.append(
            Row(
                figure=f"2. Facade overhead: {label}",
                measured=f"slrkit {1e3 * timing.rate(slrkit).median ** -1:.2f} ms/op",
                baseline=f"raw boto3 {1e3 * timing.rate(raw).median ** -1:.2f} ms/op ({calls})",
                ratio=timing.slowdown(slrkit, raw),
                at_most=1.10,
                method=(
                    f"{python_version()}; {len(timing.samples[slrkit])} interleaved runs of "
                    f"{timing.batch[slrkit]}, "
                    f"{timing.batch[raw]} ops; same clients; median (IQR) of per-run ratios"
                ),
                ratio_format="{:.3f}",
            )
        )
    rows.append(
        Row(
            figure="2. Facade overhead, control: raw boto3 against a copy of itself",
            measured=f"copy {1e3 * timing.rate('control again').median ** -1:.2f} ms/op",
            baseline=f"raw boto3 {1e3 * timing.rate('control raw').median ** -1:.2f} ms/op "
            "(GetDomain)",
            ratio=timing.slowdown("control again", "control raw"),
            method=(
                f"{python_version()}; {len(timing.samples['control again'])} interleaved runs of "
                f"{timing.batch['control again']}, {timing.batch['control raw']} ops; as the "
                "ensure row; the distance from 1 is the method's error; no target"
            ),
            ratio_format="{:.3f}",
        )
    )
    return Section(rows=rows)
