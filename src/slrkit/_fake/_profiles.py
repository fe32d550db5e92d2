"""Customer Profiles, the domain part: per account and region, as the service behaves.

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
    """Record that the service used *domain*'s role at *when*, from the domain's region."""
    if domain.role_name is None:
        return
    role = account.roles.get(domain.role_name)
    if role is not None:
        account.roles[role.name] = attrs.evolve(
            role, last_used_date=when.replace(microsecond=0), last_used_region=domain.region
        )


def _view(domain: Domain, *, stats: bool) -> dict[str, object]:
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
        # The response adds the matching job's status; the fake's jobs are always ready.
        out["RuleBasedMatching"] = {**domain.rule_based_matching, "Status": "ACTIVE"}
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
    role = world.make_profile_role(
        account,
        name=None,
        # The service makes the role right after the domain: a second later, to the second.
        created=now + dt.timedelta(seconds=1),
        visible_at=world.clock.monotonic() + world.behaviour.propagation_delay,
        last_used=(now, request.region),
    )
    domain = Domain(
        name=name,
        region=request.region,
        created_at=now,
        last_updated_at=now,
        expiration_days=int(params["DefaultExpirationDays"]),  # type: ignore[call-overload]
        encryption_key=_optional_text(params.get("DefaultEncryptionKey")),
        dead_letter_queue_url=_optional_text(params.get("DeadLetterQueueUrl")),
        matching=_mapping(params.get("Matching")),
        rule_based_matching=_mapping(params.get("RuleBasedMatching")),
        data_store=_mapping(params.get("DataStore")),
        tags=tags,
        role_name=role.name,
    )
    domains[name] = domain
    return _view(domain, stats=False)


def get_domain(world: World, request: Request) -> Mapping[str, object]:
    """GetDomain: the domain's settings, with its `Stats`."""
    domain = _find(world, request, _name(request))
    return world.view(
        ("GetDomain", request.account_id, request.region, domain.name),
        domain,
        lambda: _view(domain, stats=True),
    )


def update_domain(world: World, request: Request) -> Mapping[str, object]:
    """UpdateDomain: change what is given; an empty key or queue URL clears it."""
    params = request.params
    domain = _find(world, request, _name(request))
    tags = domain.tags
    if "Tags" in params:
        tags = {**domain.tags, **_tags(params["Tags"])}
        _check_tag_count(tags)
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
        rule_based_matching=_given(
            params, "RuleBasedMatching", _mapping, domain.rule_based_matching
        ),
        data_store=_given(params, "DataStore", _mapping, domain.data_store),
        tags=tags,
    )
    world.account(request.account_id).region(request.region)[domain.name] = updated
    touch_role(world.account(request.account_id), updated, updated.last_updated_at)
    return _view(updated, stats=False)


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
    size = params.get("MaxResults", _DEFAULT_PAGE)
    domains = sorted(
        world.account(request.account_id).region(request.region).values(), key=lambda d: d.name
    )
    token = params.get("NextToken")
    if isinstance(token, str):
        after = decode_cursor(token, code="BadRequestException", message="Invalid NextToken")
        domains = [d for d in domains if d.name >= after]
    page = domains[: int(size)]  # type: ignore[call-overload]
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
    arn = str(request.params["resourceArn"])
    parts = arn.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("domains/"):  # noqa: PLR2004
        raise ServiceError("BadRequestException", f"Invalid resource ARN: {arn}")
    _, _, _, region, account_id, resource = parts
    name = resource[len("domains/") :]
    if region != request.region or account_id != request.account_id:
        raise ServiceError("ResourceNotFoundException", f"Resource {arn} does not exist")
    return _find(world, request, name)


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
