"""Figure 3: the API calls each operation makes, counted on the fake, next to Terraform's.

Waits are jittered, so each scenario runs with several seeds; the table shows
the median run's calls and the range of totals. Every kit is warm: its account
id is known (a cold kit makes one GetCallerIdentity, once). The fake's delays
are its defaults: a new role shows in IAM after 5 s, the service removes a
deleted domain's role after 20 s (never, on the fallback path), and a
deletion task takes 10 s.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from typing import TYPE_CHECKING

import attrs
from benchmarks._harness import Detail, Section

from slrkit import ProfilesKit
from slrkit._evidence import SETTLE_AFTER
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["run"]

REGION = "eu-west-2"
DOMAIN = "acme"
DAYS = 30

# From hashicorp/terraform-provider-aws internal/service/customerprofiles/domain.go, as
# summarised in API-FACTS.md section 5: Create and Update end with a Read (one
# GetDomain); Delete is one DeleteDomain with no wait and no role handling; tags ride on
# CreateDomain and GetDomain, and a tag change is a TagResource through the provider's
# tagging interceptor. `terraform plan`/`apply` refresh (one GetDomain) first.
TERRAFORM = {
    "ensure, created": "2: CreateDomain + GetDomain (the read after create); the role is not found",
    "ensure, unchanged": "1: GetDomain (refresh); apply makes no call",
    "ensure, updated (setting)": "3: GetDomain (refresh) + UpdateDomain + GetDomain (read)",
    "ensure, updated (setting and tag)": "4: the 3 above + TagResource",
    "describe, tagged": "— (the provider has no notion of the domain's role)",
    "describe, untagged": "— (the provider has no notion of the domain's role)",
    "plan deletion": "1: GetDomain (refresh); no data or role check",
    "safe delete, service removes role": "2: GetDomain (refresh) + DeleteDomain; no wait",
    "safe delete, fallback": "2: GetDomain (refresh) + DeleteDomain; the role is left behind",
}


@attrs.frozen(kw_only=True)
class _Scenario:
    name: str
    setup: Callable[[FakeAWS, ProfilesKit], None]
    act: Callable[[ProfilesKit], object]
    fallback: bool = False


def _tagged(fake: FakeAWS, kit: ProfilesKit) -> None:
    del fake
    kit.ensure_domain(DOMAIN, default_expiration_days=DAYS)


def _untagged(fake: FakeAWS, kit: ProfilesKit) -> None:
    del kit
    fake.client("customer-profiles", REGION).create_domain(
        DomainName=DOMAIN, DefaultExpirationDays=DAYS
    )
    # Another tool's domain, old enough for the evidence to have settled on its role.
    fake.advance(max(fake.propagation_delay, SETTLE_AFTER.total_seconds()))


def _nothing(fake: FakeAWS, kit: ProfilesKit) -> None:
    del fake, kit


SCENARIOS = (
    _Scenario(
        name="ensure, created",
        setup=_nothing,
        act=lambda k: k.ensure_domain(DOMAIN, default_expiration_days=DAYS),
    ),
    _Scenario(
        name="ensure, unchanged",
        setup=_tagged,
        act=lambda k: k.ensure_domain(DOMAIN, default_expiration_days=DAYS),
    ),
    _Scenario(
        name="ensure, updated (setting)",
        setup=_tagged,
        act=lambda k: k.ensure_domain(DOMAIN, default_expiration_days=DAYS + 1),
    ),
    _Scenario(
        name="ensure, updated (setting and tag)",
        setup=_tagged,
        act=lambda k: k.ensure_domain(
            DOMAIN, default_expiration_days=DAYS + 1, tags={"team": "cx"}
        ),
    ),
    _Scenario(name="describe, tagged", setup=_tagged, act=lambda k: k.describe_linked_role(DOMAIN)),
    _Scenario(
        name="describe, untagged", setup=_untagged, act=lambda k: k.describe_linked_role(DOMAIN)
    ),
    _Scenario(name="plan deletion", setup=_tagged, act=lambda k: k.plan_domain_deletion(DOMAIN)),
    _Scenario(
        name="safe delete, service removes role",
        setup=_tagged,
        act=lambda k: k.safe_delete_domain(DOMAIN, confirm=DOMAIN),
    ),
    _Scenario(
        name="safe delete, fallback",
        setup=_tagged,
        act=lambda k: k.safe_delete_domain(DOMAIN, confirm=DOMAIN),
        fallback=True,
    ),
)


@attrs.frozen(kw_only=True)
class _Count:
    calls: Counter[str]
    virtual_seconds: float

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def _count(scenario: _Scenario, seed: int) -> _Count:
    fake = FakeAWS(seed=seed, role_cleanup_delay=None if scenario.fallback else 20.0)
    kit = ProfilesKit(
        REGION,
        session=fake.session(REGION),
        clock=fake.clock,
        rand=random.Random(seed).random,
    )
    kit.list_domains()  # learns the account id: the kit is warm
    scenario.setup(fake, kit)
    fake.clear_calls()
    started = fake.clock.monotonic()
    scenario.act(kit)
    calls = Counter(c.operation for c in fake.calls)
    return _Count(calls=calls, virtual_seconds=fake.clock.monotonic() - started)


def run(*, seeds: int = 15) -> Section:
    """Figure 3: one detail table."""
    rows: list[list[str]] = []
    for scenario in SCENARIOS:
        counts = sorted((_count(scenario, seed) for seed in range(seeds)), key=lambda c: c.total)
        typical = counts[len(counts) // 2]
        totals = [c.total for c in counts]
        spread = (
            f"{typical.total}"
            if min(totals) == max(totals)
            else f"{typical.total} ({min(totals)}-{max(totals)})"
        )
        seconds = statistics.median(c.virtual_seconds for c in counts)
        rows.append(
            [
                scenario.name,
                spread,
                ", ".join(f"{op} x{n}" if n > 1 else op for op, n in typical.calls.items()),
                f"{seconds:.1f}",
                TERRAFORM[scenario.name],
            ]
        )
    note = (
        f"API calls per operation on the fake (its default delays), {seeds} seeds of the "
        "back-off jitter; the median run's calls, in call order, and the range of totals. "
        "Kits are warm (a cold kit adds one GetCallerIdentity, once). Terraform's calls "
        "are counted from the source of `aws_customerprofiles_domain` "
        "(terraform-provider-aws `internal/service/customerprofiles/domain.go`), as "
        "documented in API-FACTS.md §5."
    )
    return Section(
        details=[
            Detail(
                title="3. API calls per operation",
                header=(
                    "Operation",
                    "slrkit calls",
                    "Which (median run)",
                    "Virtual s",
                    "Terraform apply of `aws_customerprofiles_domain`",
                ),
                rows=rows,
                note=note,
            )
        ]
    )
