"""A downstream project's tests, run offline on slrkit's fake through its ``fake_aws`` fixture.

``onboard_team`` stands for the project's own code: it gives each team a Customer
Profiles domain and reports the domain's service-linked role.
"""

# ruff: noqa: S101 - pytest tests assert

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slrkit import ProfilesKit
    from slrkit.testing import FakeAWS

REGION = "eu-west-2"


def onboard_team(kit: ProfilesKit, team: str) -> str:
    """Give *team* its domain (idempotently) and return the name of the domain's role."""
    kit.ensure_domain(f"{team}-profiles", default_expiration_days=365, tags={"team": team})
    return kit.describe_linked_role(f"{team}-profiles").name


def test_onboarding_creates_a_domain_with_a_healthy_role(fake_aws: FakeAWS) -> None:
    """A new team gets a domain, and the role Customer Profiles made for it."""
    role = onboard_team(fake_aws.kit(REGION), "cx")
    assert fake_aws.domains(REGION) == ("cx-profiles",)
    assert fake_aws.linked_roles() == (role,)


def test_onboarding_twice_writes_nothing_the_second_time(fake_aws: FakeAWS) -> None:
    """Running the onboarding again changes nothing: no write reaches AWS."""
    kit = fake_aws.kit(REGION)
    first = onboard_team(kit, "cx")
    fake_aws.clear_calls()
    assert onboard_team(kit, "cx") == first
    # Reads only: the domain, its role and policies, and the region's other domains, which
    # must not claim the same role.
    assert {call.operation for call in fake_aws.calls} <= {
        "GetDomain",
        "GetRole",
        "ListDomains",
        "ListAttachedRolePolicies",
    }
