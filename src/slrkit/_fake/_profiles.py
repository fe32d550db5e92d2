"""Customer Profiles, the domain part: per account and region, as the service behaves.

- Rule-based matching runs the status machine the model documents (see
  `Behaviour`): a new domain's configuration starts IN_PROGRESS, one set on an
  existing domain PENDING; it then becomes ACTIVE. While IN_PROGRESS, and for
  `rule_based_matching_lock` after ACTIVE, UpdateDomain refuses to change it with
  BadRequestException (sending the same configuration again changes nothing).
- `Behaviour.short_pages` lets ListDomains return short pages.

Choices where AWS does not document the behaviour:
- `Tags` on UpdateDomain are merged into the domain's tags (keys given are added
  or overwritten, none are removed), as TagResource does; use UntagResource to
  remove keys.
- An empty `DefaultEncryptionKey` or `DeadLetterQueueUrl` clears the setting on
  UpdateDomain and means "not set" on CreateDomain.
- The service "uses" the domain's role whenever it writes the domain (create,
  update) and when profiles are loaded, which is what `RoleLastUsed` shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar, cast

import attrs

from slrkit._fake._ops import (
    Operation,
    Request,
    ServiceError,
    decode_cursor,
    encode_cursor,
)
from slrkit._fake._records import Domain, DomainStats

if TYPE_CHECKING:
    from slrkit._fake._world import Account, World

__all__ = ["OPERATIONS", "set_stats", "touch_role"]

_DEFAULT_PAGE = 100
T = TypeVar("T")
_MAX_TAGS = 50
_DAY = 86_400.0


def _now(world: World) -> dt.datetime:
    # Customer Profiles reports epoch milliseconds.
    now = world.clock.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _name(request: Request) -> str:
    return str(request.params["DomainName"])


def _find(world: World, request: Request, name: str) -> Domain:
    domain = world.account(request.account_id).region(request.region).get(name)
    if domain is None:
        raise ServiceError("ResourceNotFoundException", f"Domain {name} does not exist")
    return domain


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _mapping(value: object) -> Mapping[str, object] | None:
    # Parameters were checked against the input shape: a structure is a str-keyed mapping.
    return cast("Mapping[str, object]", value) if isinstance(value, Mapping) else None


def _tags(value: object) -> dict[str, str]:
    tags = _mapping(value) or {}
    return {key: str(tag) for key, tag in tags.items()}


def _given(
    params: Mapping[str, object], member: str, convert: Callable[[object], T], current: T
) -> T:
    """The new value of a setting UpdateDomain may change: *member* if given, else *current*."""
    return convert(params[member]) if member in params else current


def _check_tag_count(tags: Mapping[str, str]) -> None:
    if len(tags) > _MAX_TAGS:
        raise ServiceError(
            "BadRequestException", f"A resource can have at most {_MAX_TAGS} tags, got {len(tags)}"
        )


def touch_role(account: Account, domain: Domain, when: dt.datetime) -> None:
    """Record that the service used *domain*'s role at *when*, from the domain's region.

    Never before the role's CreateDate: the service cannot use a role before it exists.
    """
    if domain.role_name is None:
        return
    role = account.role(domain.role_name)
    if role is not None:
        used = max(when.replace(microsecond=0), role.create_date)
        account.put_role(attrs.evolve(role, last_used_date=used, last_used_region=domain.region))


def _view(domain: Domain, *, stats: bool, matching_status: str | None) -> dict[str, object]:
    out: dict[str, object] = {
        "DomainName": domain.name,
        "DefaultExpirationDays": domain.expiration_days,
        "CreatedAt": domain.created_at,
        "LastUpdatedAt": domain.last_updated_at,
    }
    if domain.encryption_key is not None:
        out["DefaultEncryptionKey"] = domain.encryption_key
    if domain.dead_letter_queue_url is not None:
        out["DeadLetterQueueUrl"] = domain.dead_letter_queue_url
    if domain.matching is not None:
        out["Matching"] = domain.matching
    if domain.rule_based_matching is not None:
        matching = dict(domain.rule_based_matching)
        if matching_status is not None:
            matching["Status"] = matching_status
        out["RuleBasedMatching"] = matching
    if domain.data_store is not None:
        out["DataStore"] = domain.data_store
    if stats:
        out["Stats"] = {
            "ProfileCount": domain.stats.profile_count,
            "MeteringProfileCount": domain.stats.metering_profile_count,
            "ObjectCount": domain.stats.object_count,
            "TotalSize": domain.stats.total_size,
        }
    if domain.tags:
        out["Tags"] = dict(domain.tags)
    return out


def create_domain(world: World, request: Request) -> Mapping[str, object]:
    """CreateDomain: the domain, and the service-linked role the service makes for it."""
    params = request.params
    name = _name(request)
    account = world.account(request.account_id)
    domains = account.region(request.region)
    if name in domains:
        raise ServiceError("BadRequestException", f"Domain {name} already exists")
    tags = _tags(params.get("Tags"))
    _check_tag_count(tags)
    now = _now(world)
    monotonic = world.clock.monotonic()
    role = world.make_profile_role(
        account,
        name=None,
        # The service makes the role right after the domain: a second later, to the second.
        created=now + dt.timedelta(seconds=1),
        visible_at=monotonic + world.behaviour.propagation_delay,
        last_used=(now, request.region),
    )
    matching = _mapping(params.get("RuleBasedMatching"))
    domain = Domain(
        name=name,
        region=request.region,
        created_at=now,
        last_updated_at=now,
        expiration_days=int(params["DefaultExpirationDays"]),  # type: ignore[call-overload]
        encryption_key=_optional_text(params.get("DefaultEncryptionKey")),
        dead_letter_queue_url=_optional_text(params.get("DeadLetterQueueUrl")),
        matching=_mapping(params.get("Matching")),
        rule_based_matching=matching,
        data_store=_mapping(params.get("DataStore")),
        tags=tags,
        role_name=role.name,
        rule_based_matching_since=monotonic if matching is not None else None,
    )
    domains[name] = domain
    return _view(domain, stats=False, matching_status=_matching_status(world, domain))


def _matching_status(world: World, domain: Domain) -> str | None:
    return domain.rule_based_matching_status(world.clock.monotonic(), world.behaviour)


def get_domain(world: World, request: Request) -> Mapping[str, object]:
    """GetDomain: the domain's settings, with its `Stats`."""
    domain = _find(world, request, _name(request))
    status = _matching_status(world, domain)
    return world.view(
        ("GetDomain", request.account_id, request.region, domain.name, str(status)),
        domain,
        lambda: _view(domain, stats=True, matching_status=status),
    )


def _changed_matching(
    world: World, domain: Domain, params: Mapping[str, object]
) -> tuple[Mapping[str, object] | None, float | None, bool]:
    """The rule-based matching of *domain* after UpdateDomain *params*: (settings, since, queued).

    Raises:
        ServiceError: The change comes while the configuration is locked.
    """
    current = (
        domain.rule_based_matching,
        domain.rule_based_matching_since,
        domain.rule_based_matching_queued,
    )
    if "RuleBasedMatching" not in params:
        return current
    wanted = _mapping(params["RuleBasedMatching"])
    if wanted == domain.rule_based_matching:
        return current
    now = world.clock.monotonic()
    status = domain.rule_based_matching_status(now, world.behaviour)
    if status == "IN_PROGRESS":
        raise ServiceError(
            "BadRequestException",
            f"Rule-based matching of domain {domain.name} is IN_PROGRESS and cannot be "
            "changed until it is ACTIVE",
        )
    unlocked = domain.rule_based_matching_unlocked_at(world.behaviour)
    if status == "ACTIVE" and unlocked is not None and now < unlocked:
        when = world.clock.now() + dt.timedelta(seconds=unlocked - now)
        lock = world.behaviour.rule_based_matching_lock
        wait = "a day" if lock == _DAY else f"{lock:g} seconds"
        raise ServiceError(
            "BadRequestException",
            f"Rule-based matching of domain {domain.name} can be changed {wait} after it "
            f"became ACTIVE, from {when:%Y-%m-%dT%H:%M:%SZ}",
        )
    return wanted, (now if wanted is not None else None), True


def update_domain(world: World, request: Request) -> Mapping[str, object]:
    """UpdateDomain: change what is given; an empty key or queue URL clears it."""
    params = request.params
    domain = _find(world, request, _name(request))
    tags = domain.tags
    if "Tags" in params:
        tags = {**domain.tags, **_tags(params["Tags"])}
        _check_tag_count(tags)
    matching, matching_since, matching_queued = _changed_matching(world, domain, params)
    updated = attrs.evolve(
        domain,
        last_updated_at=_now(world),
        expiration_days=int(params.get("DefaultExpirationDays", domain.expiration_days)),  # type: ignore[call-overload]
        encryption_key=_given(
            params, "DefaultEncryptionKey", _optional_text, domain.encryption_key
        ),
        dead_letter_queue_url=_given(
            params, "DeadLetterQueueUrl", _optional_text, domain.dead_letter_queue_url
        ),
        matching=_given(params, "Matching", _mapping, domain.matching),
        rule_based_matching=matching,
        rule_based_matching_since=matching_since,
        rule_based_matching_queued=matching_queued,
        data_store=_given(params, "DataStore", _mapping, domain.data_store),
        tags=tags,
    )
    world.account(request.account_id).region(request.region)[domain.name] = updated
    touch_role(world.account(request.account_id), updated, updated.last_updated_at)
    return _view(updated, stats=False, matching_status=_matching_status(world, updated))


def delete_domain(world: World, request: Request) -> Mapping[str, object]:
    """DeleteDomain: the domain goes now; the service deletes its role later (if ever)."""
    domain = _find(world, request, _name(request))
    del world.account(request.account_id).region(request.region)[domain.name]
    cleanup = world.behaviour.role_cleanup_delay
    if domain.role_name is not None and cleanup is not None:
        world.schedule(cleanup, "cleanup", request.account_id, domain.role_name)
    return {"Message": f"Domain {domain.name} was deleted"}


def list_domains(world: World, request: Request) -> Mapping[str, object]:
    """ListDomains: domain summaries in name order, paginated by NextToken."""
    params = request.params
    asked = int(params.get("MaxResults", _DEFAULT_PAGE))  # type: ignore[call-overload]
    domains = sorted(
        world.account(request.account_id).region(request.region).values(), key=lambda d: d.name
    )
    token = params.get("NextToken")
    if isinstance(token, str):
        after = decode_cursor(token, code="BadRequestException", message="Invalid NextToken")
        domains = [d for d in domains if d.name >= after]
    page = domains[: world.page_size(asked, len(domains))]
    items: list[dict[str, object]] = []
    for domain in page:
        item: dict[str, object] = {
            "DomainName": domain.name,
            "CreatedAt": domain.created_at,
            "LastUpdatedAt": domain.last_updated_at,
        }
        if domain.tags:
            item["Tags"] = dict(domain.tags)
        items.append(item)
    out: dict[str, object] = {"Items": items}
    if len(domains) > len(page):
        out["NextToken"] = encode_cursor(domains[len(page)].name)
    return out


def _domain_by_arn(world: World, request: Request) -> Domain:
    """The domain a tagging call's ARN names.

    Domains, object types and integrations can be tagged
    (``domains/<name>/object-types/<type>``...); the fake keeps only domains, so
    any other resource of a domain does not exist.
    """
    arn = str(request.params["resourceArn"])
    parts = arn.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("domains/"):  # noqa: PLR2004
        raise ServiceError("BadRequestException", f"Invalid resource ARN: {arn}")
    _, partition, _, region, account_id, resource = parts
    name, _, inner = resource[len("domains/") :].partition("/")
    if (partition, region, account_id) != (request.partition, request.region, request.account_id):
        raise ServiceError("ResourceNotFoundException", f"Resource {arn} does not exist")
    domain = _find(world, request, name)
    if inner:
        raise ServiceError("ResourceNotFoundException", f"Resource {arn} does not exist")
    return domain


def tag_resource(world: World, request: Request) -> Mapping[str, object]:
    """TagResource: add or overwrite tags on a domain, named by its ARN."""
    domain = _domain_by_arn(world, request)
    tags = {**domain.tags, **_tags(request.params["tags"])}
    _check_tag_count(tags)
    world.account(request.account_id).region(request.region)[domain.name] = attrs.evolve(
        domain, tags=tags
    )
    return {}


def untag_resource(world: World, request: Request) -> Mapping[str, object]:
    """UntagResource: remove tag keys from a domain (unknown keys are ignored)."""
    domain = _domain_by_arn(world, request)
    keys = request.params["tagKeys"]
    drop = set(cast("list[str]", keys)) if isinstance(keys, list) else set[str]()
    tags = {k: v for k, v in domain.tags.items() if k not in drop}
    world.account(request.account_id).region(request.region)[domain.name] = attrs.evolve(
        domain, tags=tags
    )
    return {}


def list_tags_for_resource(world: World, request: Request) -> Mapping[str, object]:
    """ListTagsForResource: a domain's tags (the member is left out when there are none)."""
    domain = _domain_by_arn(world, request)
    return {"tags": dict(domain.tags)} if domain.tags else {}


def set_stats(world: World, account_id: str, region: str, name: str, stats: DomainStats) -> None:
    """Replace a domain's stats, as loading or removing profiles would.

    Raises:
        LookupError: If there is no such domain.
    """
    account = world.account(account_id)
    domain = account.region(region).get(name)
    if domain is None:
        raise LookupError(f"no domain {name!r} in {region} of account {account_id}")
    updated = attrs.evolve(domain, stats=stats)
    account.region(region)[name] = updated
    touch_role(account, updated, world.clock.now())


OPERATIONS: Mapping[str, Operation] = {
    "CreateDomain": create_domain,
    "GetDomain": get_domain,
    "UpdateDomain": update_domain,
    "DeleteDomain": delete_domain,
    "ListDomains": list_domains,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}
"""Customer Profiles operations the fake serves, by name."""
