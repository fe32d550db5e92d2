"""A Pulumi program: one Customer Profiles domain, managed by slrkit, with its role exported.

``pulumi up`` creates the domain and records its service-linked role; ``pulumi
destroy`` deletes both, and refuses while the domain holds profiles unless
``allowDataLoss`` was applied first. Set ``fakeState`` to rehearse the whole
lifecycle against slrkit's fake AWS, with no AWS account.
"""

import pulumi

from slrkit.pulumi import CustomerProfilesDomain, DomainProvider

config = pulumi.Config()
fake_state = config.get("fakeState")

domain = CustomerProfilesDomain(
    "customers",
    domain_name=config.get("domainName") or "acme-customers",
    default_expiration_days=365,
    region=config.get("region") or "eu-west-2",
    matching={
        "enabled": True,
        "job_schedule": {"day_of_the_week": "SUNDAY", "time": "3:00"},
        "auto_merging": {
            "enabled": True,
            "consolidation": {"matching_attributes_lists": [["EmailAddress"], ["PhoneNumber"]]},
            "conflict_resolution": {"conflict_resolving_model": "RECENCY"},
        },
    },
    tags={"team": "cx", "managed-by": "pulumi"},
    allow_data_loss=config.get_bool("allowDataLoss") or False,
    adopt_existing=config.get_bool("adoptExisting") or False,
    provider=DomainProvider(fake_state=fake_state) if fake_state else None,
)

pulumi.export("domain_arn", domain.arn)
pulumi.export("created_at", domain.created_at)
pulumi.export("linked_role_name", domain.linked_role_name)
pulumi.export("linked_role_arn", domain.linked_role_arn)
pulumi.export("linked_role_evidence", domain.linked_role_evidence)
