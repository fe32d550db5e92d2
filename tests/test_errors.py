"""The error tree and the one translation from botocore."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

import slrkit
from slrkit import exceptions
from slrkit._aws import OPERATIONS, translate


def client_error(code: str, message: str = "boom", *, retries: int = 0) -> ClientError:
    response: dict[str, Any] = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"RequestId": "req-123", "RetryAttempts": retries},
    }
    return ClientError(response, "GetDomain")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "operation", "expected"),
    [
        ("ResourceNotFoundException", "GetDomain", slrkit.DomainNotFoundError),
        ("ResourceNotFoundException", "ListDomains", slrkit.AWSError),
        ("ThrottlingException", "GetDomain", slrkit.ThrottledError),
        ("Throttling", "GetRole", slrkit.ThrottledError),
        ("AccessDeniedException", "CreateDomain", slrkit.AccessDeniedError),
        ("AccessDenied", "GetRole", slrkit.AccessDeniedError),
        ("NoSuchEntity", "GetRole", slrkit.AWSError),
        ("InternalServerException", "GetDomain", slrkit.AWSError),
    ],
)
def test_client_errors_map_to_the_tree(
    code: str, operation: str, expected: type[slrkit.AWSError]
) -> None:
    """Each AWS code becomes the right class, keeping code, message, request id and operation."""
    error = translate(client_error(code, retries=2), operation=OPERATIONS[operation])
    assert type(error) is expected
    assert error.code == code
    assert error.message == "boom"
    assert error.request_id == "req-123"
    assert error.operation == operation
    assert error.service == OPERATIONS[operation].service
    assert error.retry_attempts == 2
    assert "req-123" in str(error)


@pytest.mark.parametrize(
    "exc",
    [
        EndpointConnectionError(endpoint_url="https://profile.eu-west-2.amazonaws.com"),
        ReadTimeoutError(endpoint_url="https://iam.amazonaws.com"),
    ],
)
def test_connection_failures_become_endpoint_errors(exc: Exception) -> None:
    """Connection and read-timeout failures become EndpointError."""
    assert isinstance(exc, (EndpointConnectionError, ReadTimeoutError))
    error = translate(exc, operation=OPERATIONS["GetRole"])
    assert isinstance(error, slrkit.EndpointError)
    assert error.code == type(exc).__name__


def test_tree_shape() -> None:
    """The documented tree holds: every error is a SlrkitError, with the documented bases."""
    assert issubclass(slrkit.InvalidInputError, ValueError)
    assert issubclass(slrkit.UnsupportedRegionError, slrkit.InvalidInputError)
    assert issubclass(slrkit.RetryDeadlineError, TimeoutError)
    assert issubclass(slrkit.AmbiguousLinkedRoleError, slrkit.RefusedError)
    assert issubclass(slrkit.AmbiguousLinkedRoleError, slrkit.LinkedRoleError)
    tree = exceptions.__doc__ or ""
    for name in exceptions.__all__:
        cls = getattr(exceptions, name)
        assert issubclass(cls, slrkit.SlrkitError), name
        assert name in tree, f"{name} missing from the drawn tree"


def test_refusals_explain_themselves() -> None:
    """Refusal messages say what was refused and how to proceed."""
    assert "allow_data_loss=True" in str(
        slrkit.DomainNotEmptyError("acme", profile_count=2, object_count=5)
    )
    assert "must equal" in str(slrkit.ConfirmationMismatchError("acme", "acne"))
    usage = slrkit.RoleUsage(region="eu-west-2", resources=("arn:x",))
    in_use = slrkit.RoleInUseError("AWSServiceRoleForProfile_x", [usage])
    assert "eu-west-2: arn:x" in str(in_use)
    assert in_use.usages == (usage,)
    deadline = slrkit.RetryDeadlineError(
        "a thing", elapsed=12, deadline=10, last_state="IN_PROGRESS"
    )
    assert "IN_PROGRESS" in str(deadline)
    assert "resume" in str(deadline)
