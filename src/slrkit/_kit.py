"""`ProfilesKit`: the typed facade over one region's domains and their roles.

Each public method validates its arguments, then hands the work to the room of
its concept: `slrkit._ensure`, `slrkit._attribution` and `slrkit._deletion`, which
talk to AWS through the verbs of `slrkit._verbs`.

Importing this module costs boto3 and the argument checks, nothing more. The
rooms, and attrs with them, load when the first kit is made: a script or a
command that imports the kit but takes another path pays for boto3 alone
(``BENCHMARKS.md``, figure 4). Each kit keeps the rooms it calls, so that an
operation pays no import statement (``ensure_domain`` on a matching domain
is one GetDomain, and figure 2 measures what the kit adds to it).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final, cast

import boto3

from slrkit._clock import SystemClock, clock_of
from slrkit._regions import SUPPORTED_REGIONS, configured_region, validate_region
from slrkit._validate import (
    check_flag,
    check_seconds,
    validate_account_id,
    validate_confirm,
    validate_domain_name,
    validate_linked_role_name,
    validate_tag_keys,
)
from slrkit.exceptions import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_iam.client import IAMClient
    from mypy_boto3_sts.client import STSClient

    from slrkit._clock import Clock
    from slrkit._models import DeletionPlan, DeletionReport, Domain, EnsureResult, LinkedRole
    from slrkit._ratelimit import RateLimiter
    from slrkit._retry import RetryPolicy
    from slrkit._settings import DataStore, Matching, RuleBasedMatching
    from slrkit._verbs import Site, Verbs

__all__ = ["DEFAULT_CLEANUP_GRACE", "ProfilesKit"]

DEFAULT_CLEANUP_GRACE: Final = 60.0
"""Seconds Customer Profiles gets to remove a deleted domain's role before slrkit does."""


def _region_of(given: str | None, session: boto3.Session | None, clients: str | None) -> object:
    """The region to use: given, else the session's, else the clients', else the environment's."""
    if given is not None:
        return given
    if session is not None and session.region_name:
        return session.region_name
    if clients is not None:
        return clients
    return configured_region()


def _check_client_identity(
    profiles: CustomerProfilesClient | None,
    iam: IAMClient | None,
    sts: STSClient | None,
    account_id: str | None,
) -> None:
    """Without a session, the clients given must be enough to work as the caller."""
    if (profiles is None) != (iam is None):
        given = "profiles_client" if profiles is not None else "iam_client"
        raise InvalidInputError(
            given,
            "<client>",
            "give profiles_client and iam_client together, or a session to build the other "
            "from: slrkit will not build it from the default credentials",
        )
    if profiles is not None and sts is None and account_id is None:
        raise InvalidInputError(
            "sts_client",
            None,
            "a kit built from clients learns the account through sts_client= (with the "
            "clients' credentials) or is told it with account_id=; it never asks the default "
            "credentials",
        )


def _check_account_regions(regions: Sequence[str] | None, own: str) -> tuple[str, ...]:
    if regions is None:
        return SUPPORTED_REGIONS
    if isinstance(regions, str) or not isinstance(regions, Sequence):
        raise InvalidInputError("account_regions", regions, "must be a list of regions")
    checked = tuple(dict.fromkeys(validate_region(r) for r in regions))
    if own not in checked:
        raise InvalidInputError(
            "account_regions", regions, f"must include the kit's own region ({own!r})"
        )
    return checked


class ProfilesKit:
    """Customer Profiles domains and their service-linked roles, in one region.

    A kit is safe to share between threads: it holds its clients (built once) and
    the account id (looked up once), and each operation keeps its own state.

    The kit talks to AWS as the caller says, and only so: through *session*, or
    through the clients given. A kit built from clients learns the account id
    through *sts_client*, or is told it (*account_id*); it never asks the default
    credentials behind the caller's back.

    Args:
        region_name: A supported region (see `slrkit.SUPPORTED_REGIONS`). Default:
            the session's region, else the clients', else the environment's
            (``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile's ``region``). It is
            validated wherever it comes from.
        session: The boto3 session to build clients from (default: boto3's default
            session, unless both clients are given).
        profiles_client: A ``customer-profiles`` client to use instead.
        iam_client: An ``iam`` client to use instead.
        sts_client: An ``sts`` client, used once to learn the account id.
        account_id: The account id, to save that call.
        retry: How to wait and for how long (default `RetryPolicy()`).
        clock: Where time comes from (default: the fake's virtual clock for a session
            of `slrkit.testing`, else the system clock).
        rand: The jitter source, a function returning floats in [0, 1).
        rate_limiter: Client-side pacing shared with other kits of the account
            (`slrkit.Fleet` passes one); None sends calls as fast as they come.
        account_regions: The regions where the account may have domains, which the
            evidence for a role reads when a role was never used (default: every
            supported region). It must include the kit's own region.

    Raises:
        UnsupportedRegionError: No region is given anywhere, the region is not
            supported, or it differs from the clients' region.
        InvalidInputError: ``account_id`` is not 12 digits; only one of the two
            clients is given without a session; or both are, without a session,
            ``sts_client`` or ``account_id`` to learn the account with.
    """

    def __init__(
        self,
        region_name: str | None = None,
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
        account_regions: Sequence[str] | None = None,
    ) -> None:
        from slrkit import _attribution, _deletion, _ensure, _spec  # noqa: PLC0415 - see the docstring
        from slrkit._clients import Clients  # noqa: PLC0415 - the rooms load with the first kit
        from slrkit._retry import RetryPolicy, system_random  # noqa: PLC0415 - as above
        from slrkit._verbs import Account, AccountId, Site  # noqa: PLC0415 - as above

        client_region = profiles_client.meta.region_name if profiles_client is not None else None
        self._region = validate_region(_region_of(region_name, session, client_region))
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
        regions = _check_account_regions(account_regions, self._region)
        if session is None:
            _check_client_identity(profiles_client, iam_client, sts_client, account_id)
            if profiles_client is None:
                session = boto3.Session()
        clients = Clients.build(
            self._region,
            session=session,
            profiles=profiles_client,
            iam=iam_client,
            sts=sts_client,
            account_known=account_id is not None,
        )
        self._session = session
        self._siblings: dict[str, Site] = {}
        self._siblings_lock = threading.Lock()
        self._site = Site(
            region=self._region,
            clients=clients,
            account=Account(
                id=AccountId(account_id, sts=clients.sts),
                regions=regions,
                site_for=self._sibling,
            ),
            retry=retry if retry is not None else RetryPolicy(),
            clock=clock if clock is not None else clock_of(session) or SystemClock(),
            rand=rand if rand is not None else system_random(),
            limiter=rate_limiter,
        )
        self.__spec = _spec
        self.__ensure = _ensure
        self.__attribution = _attribution
        self.__deletion = _deletion

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

    @property
    def account_regions(self) -> tuple[str, ...]:
        """The regions where the kit looks for other domains that could own a role."""
        return self._site.account.regions

    def _verbs(self, *, budget: float | None = None) -> Verbs:
        return self._site.verbs(budget=budget)

    def _sibling(self, region: str) -> Site | None:
        """Another region's site, to read its domains there; None without a session."""
        if self._session is None:
            return None
        with self._siblings_lock:
            site = self._siblings.get(region)
        if site is None:
            from slrkit._clients import make_client  # noqa: PLC0415 - loaded by __init__

            profiles = cast(
                "CustomerProfilesClient", make_client(self._session, "customer-profiles", region)
            )
            site = self._site.elsewhere(region, profiles)
            with self._siblings_lock:
                site = self._siblings.setdefault(region, site)
        return site

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
        remove_tags: Collection[str] = (),
        dry_run: bool = False,
        wait_for_role: bool = True,
    ) -> EnsureResult:
        """Create the domain, or bring it to these settings; a no-op when it matches.

        It reads first and writes only what differs: a matching domain costs one
        API call. Settings left as None are not managed; for the key and the queue
        an empty string clears them. Tags are added or changed; only the keys in
        *remove_tags* are removed (``slrkit:linked-role`` never is).

        When it creates the domain it waits for the new service-linked role to
        appear and records it in the domain tag ``slrkit:linked-role``, if the
        evidence proves it is this domain's: no other domain (in any region of the
        account, including one created at the same moment) could own it. Otherwise
        the domain stays untagged and ``link_problem`` says why. Creations through
        one kit take turns, each waiting until the previous one's role appeared,
        so that concurrent creations can all be proven.

        Args:
            name: The domain name.
            default_expiration_days: Days a profile is kept (1 to 1098).
            default_encryption_key: A KMS key ARN; ``""`` clears it.
            dead_letter_queue_url: An SQS queue URL; ``""`` clears it.
            matching: Identity-resolution settings.
            rule_based_matching: Rule-based matching settings.
            data_store: Data store settings.
            tags: Tags to add or change.
            remove_tags: Tag keys to remove when the domain has them (each removal
                is one of the changes, with ``new=None``).
            dry_run: Compute the result, write nothing.
            wait_for_role: On creation, wait for the role and tag the domain with it.

        Raises:
            InvalidInputError: A bad argument, before any API call.
            RetryDeadlineError: The new role did not appear before the deadline; the
                domain exists, and `describe_linked_role` can find the role later.
            UnreadableRegionsError: The new role was never used, and a region where
                another domain could own it could not be read; the domain exists.
            AWSError: An API call failed.
        """
        validate_domain_name(name)
        check_flag("dry_run", dry_run)
        check_flag("wait_for_role", wait_for_role)
        wanted = self.__spec.DomainSettings(
            default_expiration_days=default_expiration_days,
            default_encryption_key=default_encryption_key,
            dead_letter_queue_url=dead_letter_queue_url,
            matching=matching,
            rule_based_matching=rule_based_matching,
            data_store=data_store,
            tags=tags,
        )
        removed = validate_tag_keys(remove_tags)
        both = sorted(set(removed) & set(wanted.tags)) if removed and wanted.tags else []
        if both:
            raise InvalidInputError(
                "remove_tags", both, "a tag key cannot be both set (tags) and removed"
            )
        return self.__ensure.ensure(
            self._verbs(),
            name,
            wanted,
            remove_tags=removed,
            dry_run=dry_run,
            wait_for_role=wait_for_role,
        )

    # -- roles ------------------------------------------------------------------------------

    def describe_linked_role(self, name: str) -> LinkedRole:
        """The domain's service-linked role, the evidence for it, and what is wrong with it.

        The ``slrkit:linked-role`` tag counts when the role it names exists, is a
        Customer Profiles role the domain could own, and no other domain's tag
        claims it (4 API calls when the role was used in the domain's region).
        Otherwise the evidence of `slrkit._evidence` decides: creation times and
        last-use regions, with every other domain of the account that could own
        the role ruled out.

        Raises:
            InvalidInputError: A bad domain name, before any API call.
            DomainNotFoundError: The domain does not exist.
            LinkedRoleNotFoundError: No role fits, or the domain is young enough that
                its role may still be propagating.
            AmbiguousLinkedRoleError: Several roles fit, or another domain could own it.
            UnreadableRegionsError: A region that had to be read could not be.
            AWSError: An API call failed.
        """
        validate_domain_name(name)
        verbs = self._verbs()
        return self.__attribution.identify(verbs, verbs.get_domain(name))

    # -- deletion ---------------------------------------------------------------------------

    def plan_domain_deletion(
        self, name: str, *, role_name: str | None = None, allow_unknown_role: bool = False
    ) -> DeletionPlan:
        """What `safe_delete_domain` would do, with no writes.

        Args:
            name: The domain name.
            role_name: The domain's role, when the caller knows it: from an earlier
                plan or report once the domain is gone, or to settle a role the
                evidence cannot tell. It must be a Customer Profiles role that no
                other domain's evidence claims.
            allow_unknown_role: Plan to delete the domain even when its role cannot
                be told, leaving the role to Customer Profiles.

        Raises:
            InvalidInputError: A bad argument, before any API call.
            AWSError: An API call failed.
        """
        validate_domain_name(name)
        if role_name is not None:
            validate_linked_role_name(role_name)
        check_flag("allow_unknown_role", allow_unknown_role)
        return self.__deletion.plan(
            self._verbs(), name, role_name, allow_unknown_role=allow_unknown_role
        )

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
        allow_unknown_role: bool = False,
        cleanup_grace: float = DEFAULT_CLEANUP_GRACE,
    ) -> DeletionReport:
        """Delete a domain and make sure its service-linked role goes with it.

        It plans first (no writes), refuses when the plan has a blocker (data
        without *allow_data_loss*, a role that cannot be told), deletes the domain,
        waits up to *cleanup_grace* seconds for Customer Profiles to remove the
        role, then falls back to DeleteServiceLinkedRole and polls the task. The
        fallback deletes only an orphan: a role that no live domain of the account
        could own. It never touches a role outside the Customer Profiles SLR path,
        and never forces a role that IAM says is in use. Running it again after
        any failure finishes the remaining work; when the domain is already gone,
        pass the *role_name* from the earlier plan or report. A domain counts as
        gone only when GetDomain and ListDomains agree, and a role only when GetRole
        and ListRoles agree: reads lag writes, and "already gone" ends a deletion as
        a success.

        Args:
            name: The domain name.
            confirm: Must equal *name*.
            allow_data_loss: Delete a domain that holds profiles or objects.
            wait: Wait for the role to be removed.
            missing_ok: A missing domain (and no *role_name*) is not an error.
            timeout: The operation's deadline in seconds (default: the policy's).
            role_name: The domain's role, when the caller knows it (see
                `plan_domain_deletion`): from an earlier plan or report once the
                domain is gone, or to settle a role the evidence cannot tell.
            allow_unknown_role: Delete the domain even when its role cannot be
                told; the role is then left to Customer Profiles, and the report
                says so.
            cleanup_grace: How long to let the service remove the role itself.

        Raises:
            InvalidInputError: A bad argument, before any API call.
            ConfirmationMismatchError: *confirm* differs from *name*; no API call made.
            DomainNotEmptyError: The domain holds data; nothing was written.
            AmbiguousLinkedRoleError: Several roles fit; nothing was written.
            UnknownRoleError: The role cannot be told (none fits, the domain is too
                young, a region could not be read, or *role_name* does not fit);
                nothing was written.
            UnsafeRoleError: The role is outside the SLR path; nothing was written.
            DomainNotFoundError: The domain is gone and no *role_name* was given.
            RoleInUseError: IAM's deletion task failed because other resources use it,
                or a live domain could own the role, so the fallback did not run.
            RetryDeadlineError: The deadline passed; a rerun resumes.
            AWSError: An API call failed; a rerun resumes.
        """
        validate_domain_name(name)
        validate_confirm(name, confirm)
        if role_name is not None:
            validate_linked_role_name(role_name)
        for flag, value in (
            ("allow_data_loss", allow_data_loss),
            ("wait", wait),
            ("missing_ok", missing_ok),
            ("allow_unknown_role", allow_unknown_role),
        ):
            check_flag(flag, value)
        if timeout is not None:
            check_seconds("timeout", timeout, allow_zero=False)
        check_seconds("cleanup_grace", cleanup_grace)
        return self.__deletion.safe_delete(
            self._verbs(budget=timeout),
            name,
            allow_data_loss=allow_data_loss,
            wait=wait,
            missing_ok=missing_ok,
            role_name=role_name,
            allow_unknown_role=allow_unknown_role,
            grace=cleanup_grace,
        )

    # -- listing ----------------------------------------------------------------------------

    def list_domains(self) -> list[Domain]:
        """Every domain in the kit's region (without stats; ListDomains returns none).

        Raises:
            AWSError: An API call failed.
        """
        return self._verbs().list_domains()
