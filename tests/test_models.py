"""Values built from responses shaped exactly like botocore's output shapes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import quote

import attrs
import botocore.session
import pytest
from botocore.validate import ParamValidator

from slrkit import (
    Domain,
    DomainStats,
    Evidence,
    LinkedRole,
    Matching,
    RuleBasedMatching,
)
from slrkit._models import MANAGED_POLICY_ARN, RoleUsage

WHEN = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
_session = botocore.session.get_session()


def conforms(service: str, operation: str, response: dict[str, Any]) -> None:
    """Fail unless *response* fits the operation's output shape in botocore's model."""
    shape = _session.get_service_model(service).operation_model(operation).output_shape
    assert shape is not None
    report = ParamValidator().validate(response, shape)
    assert not report.has_errors(), report.generate_report()


GET_DOMAIN: dict[str, Any] = {
    "DomainName": "acme",
    "DefaultExpirationDays": 365,
    "DefaultEncryptionKey": "arn:aws:kms:eu-west-2:123456789012:key/k",
    "DeadLetterQueueUrl": "https://sqs.eu-west-2.amazonaws.com/123456789012/dlq",
    "Stats": {"ProfileCount": 3, "MeteringProfileCount": 4, "ObjectCount": 9, "TotalSize": 1024},
    "Matching": {
        "Enabled": True,
        "JobSchedule": {"DayOfTheWeek": "MONDAY", "Time": "3:00"},
        "AutoMerging": {
            "Enabled": True,
            "Consolidation": {"MatchingAttributesList": [["EmailAddress"]]},
            "ConflictResolution": {"ConflictResolvingModel": "RECENCY"},
            "MinAllowedConfidenceScoreForMerging": 0.8,
        },
        "ExportingConfig": {"S3Exporting": {"S3BucketName": "bucket", "S3KeyName": "out/"}},
    },
    "RuleBasedMatching": {
        "Enabled": True,
        "MatchingRules": [{"Rule": ["EmailAddress", "LastName"]}],
        "Status": "ACTIVE",
        "MaxAllowedRuleLevelForMerging": 2,
        "MaxAllowedRuleLevelForMatching": 3,
        "AttributeTypesSelector": {"AttributeMatchingModel": "ONE_TO_ONE", "Address": ["Address"]},
    },
    "DataStore": {"Enabled": True},
    "CreatedAt": WHEN,
    "LastUpdatedAt": WHEN,
    "Tags": {"team": "cx", "slrkit:linked-role": "AWSServiceRoleForProfile_abc123"},
}

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "profile.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}

GET_ROLE_ROLE: dict[str, Any] = {
    "Path": "/aws-service-role/profile.amazonaws.com/",
    "RoleName": "AWSServiceRoleForProfile_abc123",
    "RoleId": "AROAEXAMPLEEXAMPLE01",
    "Arn": "arn:aws:iam::123456789012:role/aws-service-role/profile.amazonaws.com/"
    "AWSServiceRoleForProfile_abc123",
    "CreateDate": WHEN,
    # boto3 hands the policy over decoded (botocore's after-call handler decodes it).
    "AssumeRolePolicyDocument": TRUST,
    "MaxSessionDuration": 3600,
    "RoleLastUsed": {"LastUsedDate": WHEN, "Region": "eu-west-2"},
}


def test_domain_from_get_domain_response() -> None:
    """A GetDomain response becomes a Domain with stats, settings, tags and a built ARN."""
    conforms("customer-profiles", "GetDomain", GET_DOMAIN)
    domain = Domain._from_api(GET_DOMAIN, region="eu-west-2", account_id="123456789012")
    assert domain.arn == "arn:aws:profile:eu-west-2:123456789012:domains/acme"
    assert domain.default_expiration_days == 365
    assert domain.stats == DomainStats(
        profile_count=3, metering_profile_count=4, object_count=9, total_size=1024
    )
    assert domain.stats is not None
    assert not domain.stats.is_empty
    assert isinstance(domain.matching, Matching)
    assert domain.matching.job_schedule is not None
    assert domain.matching.job_schedule.time == "3:00"
    assert isinstance(domain.rule_based_matching, RuleBasedMatching)
    assert domain.rule_based_matching.status == "ACTIVE"
    assert domain.data_store is not None
    assert domain.data_store.enabled
    assert domain.linked_role_name == "AWSServiceRoleForProfile_abc123"
    assert domain.created_at == WHEN


def test_equal_stats_share_one_frozen_value() -> None:
    """Stats read alike twice are one value; stats that differ are their own."""
    first = Domain._from_api(GET_DOMAIN, region="eu-west-2", account_id="123456789012")
    again = Domain._from_api(GET_DOMAIN, region="eu-west-2", account_id="123456789012")
    grown = Domain._from_api(
        {**GET_DOMAIN, "Stats": {**GET_DOMAIN["Stats"], "ProfileCount": 4}},
        region="eu-west-2",
        account_id="123456789012",
    )
    assert first.stats is again.stats
    assert grown.stats == DomainStats(
        profile_count=4, metering_profile_count=4, object_count=9, total_size=1024
    )
    assert first.stats is not None
    assert first.stats.profile_count == 3


def test_domain_settings_round_trip_to_the_request_shape() -> None:
    """Settings read from a response serialise back into a valid UpdateDomain request."""
    domain = Domain._from_api(GET_DOMAIN, region="eu-west-2", account_id="123456789012")
    assert domain.matching is not None
    assert domain.rule_based_matching is not None
    request = {
        "DomainName": "acme",
        "Matching": domain.matching._to_api(),
        "RuleBasedMatching": domain.rule_based_matching._to_api(),
    }
    shape = _session.get_service_model("customer-profiles").operation_model("UpdateDomain")
    assert shape.input_shape is not None
    report = ParamValidator().validate(request, shape.input_shape)
    assert not report.has_errors(), report.generate_report()
    assert "Status" not in request["RuleBasedMatching"]


def test_domain_without_stats_or_settings() -> None:
    """A CreateDomain response (no Stats) gives stats=None and no settings."""
    response = {
        "DomainName": "bare",
        "DefaultExpirationDays": 30,
        "CreatedAt": WHEN,
        "LastUpdatedAt": WHEN,
    }
    conforms("customer-profiles", "CreateDomain", response)
    domain = Domain._from_api(response, region="us-east-1", account_id="123456789012")
    assert domain.stats is None
    assert domain.matching is None
    assert dict(domain.tags) == {}
    assert domain.linked_role_name is None


def test_domain_is_frozen_and_its_tags_cannot_be_mutated() -> None:
    """Values are immutable, tags included."""
    domain = Domain._from_api(GET_DOMAIN, region="eu-west-2", account_id="123456789012")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        domain.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        domain.tags["x"] = "y"  # type: ignore[index]


def test_linked_role_from_get_role_response_is_healthy() -> None:
    """A GetRole response plus attached policies becomes a healthy LinkedRole."""
    on_the_wire = {**GET_ROLE_ROLE, "AssumeRolePolicyDocument": quote(json.dumps(TRUST))}
    conforms("iam", "GetRole", {"Role": on_the_wire})
    assert LinkedRole._from_api(on_the_wire, [MANAGED_POLICY_ARN]).trust_principals == (
        "profile.amazonaws.com",
    )
    role = LinkedRole._from_api(GET_ROLE_ROLE, [MANAGED_POLICY_ARN])
    assert role.name == "AWSServiceRoleForProfile_abc123"
    assert role.trust_principals == ("profile.amazonaws.com",)
    assert role.last_used_region == "eu-west-2"
    assert role.last_used_at == WHEN
    assert role.managed_policies == (MANAGED_POLICY_ARN,)
    assert role.is_healthy
    assert role.evidence is None


def test_linked_role_reports_each_problem() -> None:
    """Wrong trust, missing policy, wrong path and name are each reported."""
    broken = {
        **GET_ROLE_ROLE,
        "Path": "/",
        "RoleName": "SomethingElse",
        "AssumeRolePolicyDocument": "%7B%22Statement%22%3A%5B%7B%22Principal%22%3A%7B%22Service%22"
        "%3A%5B%22ec2.amazonaws.com%22%5D%7D%7D%5D%7D",
    }
    role = LinkedRole._from_api(broken, [])
    assert {p.code for p in role.problems} == {"path", "name", "trust", "policy"}
    assert role.trust_principals == ("ec2.amazonaws.com",)
    assert not role.is_healthy


def test_role_usage_from_deletion_status_reason() -> None:
    """A RoleUsageList entry becomes a RoleUsage."""
    status: dict[str, Any] = {
        "Status": "FAILED",
        "Reason": {
            "Reason": "in use",
            "RoleUsageList": [
                {
                    "Region": "eu-west-2",
                    "Resources": ["arn:aws:profile:eu-west-2:123456789012:domains/acme"],
                }
            ],
        },
    }
    conforms("iam", "GetServiceLinkedRoleDeletionStatus", status)
    usage = RoleUsage._from_api(status["Reason"]["RoleUsageList"][0])
    assert usage == RoleUsage(
        region="eu-west-2", resources=("arn:aws:profile:eu-west-2:123456789012:domains/acme",)
    )


def test_evidence_prints_as_its_value() -> None:
    """Evidence kinds print as the words the CLI and JSON show."""
    assert str(Evidence.TAG) == "tag"
    assert Evidence("creation-time") is Evidence.CREATION_TIME
