"""The lifecycle of a Customer Profiles domain and its service-linked role, with ProfilesKit.

It runs on slrkit's offline fake (no AWS account, no network, virtual time). To run
the same code on AWS, build the kit with ``ProfilesKit("eu-west-2")`` instead.

    python examples/lifecycle.py
"""

from __future__ import annotations

from slrkit import Action, DomainNotEmptyError, LinkedRole, ProfilesKit
from slrkit.testing import FakeAWS

REGION = "eu-west-2"
NAME = "acme"


def run(kit: ProfilesKit, fake: FakeAWS) -> LinkedRole:
    """Create, inspect and safely delete one domain; return the role it had."""
    created = kit.ensure_domain(NAME, default_expiration_days=365, tags={"team": "cx"})
    role = created.linked_role
    if created.action is not Action.CREATED or role is None:
        raise SystemExit(f"expected a new domain with its role, got {created}")
    print(f"created {NAME}; its role is {role.name} ({role.evidence})")

    again = kit.ensure_domain(NAME, default_expiration_days=365, tags={"team": "cx"})
    print(f"ensure again: {again.action} (nothing written)")

    described = kit.describe_linked_role(NAME)
    problems = ", ".join(p.message for p in described.problems) or "none"
    print(
        f"role {described.name}: trusts {', '.join(described.trust_principals)}; "
        f"problems: {problems}"
    )

    fake.load_data(NAME, region=REGION, profiles=25)  # customers arrive
    try:
        kit.safe_delete_domain(NAME, confirm=NAME)
    except DomainNotEmptyError as refused:
        print(f"refused: {refused.profile_count} profiles are still in the domain")
    fake.clear_data(NAME, region=REGION)

    plan = kit.plan_domain_deletion(NAME)
    print("plan:", "; ".join(plan.steps))
    report = kit.safe_delete_domain(NAME, confirm=NAME)
    print(
        f"deleted {NAME}; role removed by {report.role_removed_by}, {len(report.calls)} API calls"
    )
    return role


def main() -> None:
    """Run the lifecycle on a fresh fake and check that nothing is left."""
    fake = FakeAWS()
    role = run(fake.kit(REGION), fake)
    if fake.domains(REGION) or role.name in fake.linked_roles():
        raise SystemExit("something was left behind")
    print("nothing left behind")


if __name__ == "__main__":
    main()
