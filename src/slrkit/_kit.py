"""`ProfilesKit`: the typed facade over one region's domains and their roles.

Each public method validates its arguments, then hands the work to the room of
its concept: `slrkit._ensure`, `slrkit._evidence` and `slrkit._deletion`, which
talk to AWS through the verbs of `slrkit._verbs`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slrkit import _deletion, _ensure, _evidence
from slrkit._clients import Clients
from slrkit._clock import Clock, SystemClock
from slrkit._regions import validate_region
from slrkit._retry import RetryPolicy, system_random
from slrkit._spec import DomainSettings
from slrkit._validate import (
    validate_account_id,
    validate_confirm,
    validate_domain_name,
    validate_linked_role_name,
)
from slrkit._verbs import AccountId, Site
from slrkit.exceptions import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import boto3
    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_iam.client import IAMClient
    from mypy_boto3_sts.client import STSClient

    from slrkit._models import DeletionPlan, DeletionReport, Domain, EnsureResult, LinkedRole
    from slrkit._ratelimit import RateLimiter
    from slrkit._settings import DataStore, Matching, RuleBasedMatching
    from slrkit._verbs import Verbs

__all__ = ["ProfilesKit"]


def _check_seconds(field: str, value: object, *, allow_zero: bool) -> None:
    ok = not isinstance(value, bool) and isinstance(value, (int, float))
    if not ok or value < 0 or (value == 0 and not allow_zero):  # type: ignore[operator]
        rule = "must be a number of seconds, 0 or more" if allow_zero else "must be seconds above 0"
        raise InvalidInputError(field, value, rule)


class ProfilesKit:
    """Customer Profiles domains and their service-linked roles, in one region.

    A kit is safe to share between threads: it holds its clients (built once) and
    the account id (looked up once), and each operation keeps its own state.

    Args:
        region_name: A supported region (see `slrkit.SUPPORTED_REGIONS`). With both
            clients given it may be None, and is then taken from them.
        session: The boto3 session to build clients from (default: a new one).
        profiles_client: A ``customer-profiles`` client to use instead.
        iam_client: An ``iam`` client to use instead.
        sts_client: An ``sts`` client, used once to learn the account id.
        account_id: The account id, to save that call.
        retry: How to wait and for how long (default `RetryPolicy()`).
        clock: Where time comes from (default: the system clock).
        rand: The jitter source, a function returning floats in [0, 1).
        rate_limiter: Client-side pacing shared with other kits of the account
            (`slrkit.Fleet` passes one); None sends calls as fast as they come.

    Raises:
        UnsupportedRegionError: The region is not supported, or differs from the
            clients' region.
        InvalidInputError: ``account_id`` is not 12 digits.
    """

    def __init__(
        self,
        region_name: str | None,
        *,
        session: boto3.Session | None = None,
        profiles_client: CustomerProfilesClient | None = None,
        iam_client: IAMClient | None = None,
        sts_client: STSClient | None = None,
        account_id: str | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        rand: Callable[[], float] | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        client_region = profiles_client.meta.region_name if profiles_client is not None else None
        if region_name is None and client_region is not None and iam_client is not None:
            region_name = client_region
        self._region = validate_region(region_name)
        if client_region is not None and client_region != self._region:
            raise InvalidInputError(
                "region_name",
                region_name,
                f"must match the region of profiles_client ({client_region!r})",
            )
        if account_id is not None:
            validate_account_id(account_id)
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise InvalidInputError("retry", retry, "must be a slrkit.RetryPolicy")
        clients = Clients.build(
            self._region, session=session, profiles=profiles_client, iam=iam_client, sts=sts_client
        )
        self._site = Site(
            region=self._region,
            clients=clients,
            account=AccountId(account_id, sts=clients.sts, region=self._region),
            retry=retry if retry is not None else RetryPolicy(),
            clock=clock if clock is not None else SystemClock(),
            rand=rand if rand is not None else system_random(),
            limiter=rate_limiter,
        )

    def __repr__(self) -> str:
        return f"ProfilesKit(region_name={self._region!r})"

    @property
    def region_name(self) -> str:
        """The kit's region."""
        return self._region

    @property
    def retry(self) -> RetryPolicy:
        """The kit's retry policy."""
        return self._site.retry

    def _verbs(self, *, budget: float | None = None) -> Verbs:
        return self._site.verbs(budget=budget)

    # -- ensure -----------------------------------------------------------------------------

    def ensure_domain(
        self,
        name: str,
        *,
        default_expiration_days: int,
        default_encryption_key: str | None = None,
        dead_letter_queue_url: str | None = None,
        matching: Matching | None = None,
        rule_based_matching: RuleBasedMatching | None = None,
        data_store: DataStore | None = None,
        tags: Mapping[str, str] | None = None,
        dry_run: bool = False,
        wait_for_role: bool = True,
    ) -> EnsureResult:
        """Create the domain, or bring it to these settings; a no-op when it matches.

        It reads first and writes only what differs: a matching domain costs one
        API call. Settings left as None are not managed; for the key and the queue
        an empty string clears them. Tags are added or changed, never removed.
        When it creates the domain it waits for the new service-linked role to
        appear and records it in the domain tag ``slrkit:linked-role``.

        Args:
            name: The domain name.
            default_expiration_days: Days a profile is kept (1 to 1098).
            default_encryption_key: A KMS key ARN; ``""`` clears it.
            dead_letter_queue_url: An SQS queue URL; ``""`` clears it.
            matching: Identity-resolution settings.
            rule_based_matching: Rule-based matching settings.
            data_store: Data store settings.
            tags: Tags to add or change.
            dry_run: Compute the result, write nothing.
            wait_for_role: On creation, wait for the role and tag the domain with it.

        Raises:
            InvalidInputError: A bad argument, before any API call.
            RetryDeadlineError: The new role did not appear before the deadline; the
                domain exists, and `describe_linked_role` can find the role later.
            AWSError: An API call failed.
        """
        validate_domain_name(name)
        wanted = DomainSettings(
            default_expiration_days=default_expiration_days,
            default_encryption_key=default_encryption_key,
            dead_letter_queue_url=dead_letter_queue_url,
            matching=matching,
            rule_based_matching=rule_based_matching,
            data_store=data_store,
            tags=tags,
        )
        return _ensure.ensure(
            self._verbs(), name, wanted, dry_run=dry_run, wait_for_role=wait_for_role
        )

    # -- roles ------------------------------------------------------------------------------

    def describe_linked_role(self, name: str) -> LinkedRole:
        """The domain's service-linked role, the evidence for it, and what is wrong with it.

        It trusts the ``slrkit:linked-role`` tag once the role it names exists (3 API
        calls). Without it, it weighs the creation times and last-use regions of the
        Customer Profiles roles (see `slrkit._roles`).

        Raises:
            InvalidInputError: A bad domain name, before any API call.
            DomainNotFoundError: The domain does not exist.
            LinkedRoleNotFoundError: No role fits.
            AmbiguousLinkedRoleError: Several roles fit equally well.
            AWSError: An API call failed.
        """
        validate_domain_name(name)
        verbs = self._verbs()
        return _evidence.identify(verbs, verbs.get_domain(name))

    # -- deletion ---------------------------------------------------------------------------

    def plan_domain_deletion(self, name: str, *, role_name: str | None = None) -> DeletionPlan:
        """What `safe_delete_domain` would do, with no writes.

        Args:
            name: The domain name.
            role_name: The role, when the domain is already gone (from an earlier plan).

        Raises:
            InvalidInputError: A bad name, before any API call.
            AWSError: An API call failed.
        """
        validate_domain_name(name)
        if role_name is not None:
            validate_linked_role_name(role_name)
        return _deletion.plan(self._verbs(), name, role_name)

    def safe_delete_domain(
        self,
        name: str,
        *,
        confirm: str,
        allow_data_loss: bool = False,
        wait: bool = True,
        missing_ok: bool = False,
        timeout: float | None = None,
        role_name: str | None = None,
        cleanup_grace: float = _deletion.DEFAULT_CLEANUP_GRACE,
    ) -> DeletionReport:
        """Delete a domain and make sure its service-linked role goes with it.

        It plans first (no writes), refuses when the plan has a blocker, deletes the
        domain, waits up to *cleanup_grace* seconds for Customer Profiles to remove
        the role, then falls back to DeleteServiceLinkedRole and polls the task. It
        never touches a role outside the Customer Profiles SLR path, and never
        forces a role that IAM says is in use. Running it again after any failure
        finishes the remaining work; when the domain is already gone, pass the
        *role_name* from the earlier plan or report.

        Args:
            name: The domain name.
            confirm: Must equal *name*.
            allow_data_loss: Delete a domain that holds profiles or objects.
            wait: Wait for the role to be removed.
            missing_ok: A missing domain (and no *role_name*) is not an error.
            timeout: The operation's deadline in seconds (default: the policy's).
            role_name: The role of a domain that is already gone.
            cleanup_grace: How long to let the service remove the role itself.

        Raises:
            InvalidInputError: A bad argument, before any API call.
            ConfirmationMismatchError: *confirm* differs from *name*; no API call made.
            DomainNotEmptyError: The domain holds data; nothing was written.
            AmbiguousLinkedRoleError: The role cannot be told; nothing was written.
            UnsafeRoleError: The role is outside the SLR path; nothing was written.
            DomainNotFoundError: The domain is gone and no *role_name* was given.
            RoleInUseError: IAM's deletion task failed because other resources use it.
            RetryDeadlineError: The deadline passed; a rerun resumes.
            AWSError: An API call failed; a rerun resumes.
        """
        validate_domain_name(name)
        validate_confirm(name, confirm)
        if role_name is not None:
            validate_linked_role_name(role_name)
        if timeout is not None:
            _check_seconds("timeout", timeout, allow_zero=False)
        _check_seconds("cleanup_grace", cleanup_grace, allow_zero=True)
        return _deletion.safe_delete(
            self._verbs(budget=timeout),
            name,
            allow_data_loss=allow_data_loss,
            wait=wait,
            missing_ok=missing_ok,
            role_name=role_name,
            grace=cleanup_grace,
        )

    # -- listing ----------------------------------------------------------------------------

    def list_domains(self) -> list[Domain]:
        """Every domain in the kit's region (without stats; ListDomains returns none).

        Raises:
            AWSError: An API call failed.
        """
        return self._verbs().list_domains()
