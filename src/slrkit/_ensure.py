"""Ensuring a domain: create it, or bring it to the wanted settings, writing only what differs.

It reads first. A domain that matches costs that one read. A new domain's role is
watched as it appears and recorded in the ``slrkit:linked-role`` tag when the
evidence proves it (`slrkit._evidence`); otherwise the result says why not. The
creations of one site take turns (`slrkit._verbs.CreationGate`), so that each
sees its own role appear before the next begins. A create that races another
one becomes an update.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Final

import attrs

from slrkit import _attribution
from slrkit._evidence import SETTLE_AFTER
from slrkit._models import Action, EnsureResult, Evidence, FieldChange
from slrkit._spec import TAGS, about, to_api
from slrkit._validate import LINKED_ROLE_TAG
from slrkit.exceptions import AWSError, LinkedRoleError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from slrkit._models import Domain, LinkedRole
    from slrkit._spec import DomainSettings
    from slrkit._verbs import Verbs

__all__ = ["ensure", "update"]

_log = logging.getLogger("slrkit")

_ALREADY_EXISTS: Final = re.compile(r"already exists", re.IGNORECASE)


def ensure(
    verbs: Verbs,
    name: str,
    wanted: DomainSettings,
    *,
    remove_tags: Sequence[str] = (),
    dry_run: bool,
    wait_for_role: bool,
) -> EnsureResult:
    """Create the domain *name* with *wanted*, or bring it there; see `ProfilesKit.ensure_domain`.

    Raises:
        RetryDeadlineError: The new role did not appear before the deadline.
        AWSError: An API call failed.
    """
    current = verbs.find_domain(name)
    if current is None:
        if dry_run:
            return EnsureResult(
                action=Action.CREATED, domain=None, changes=wanted.as_new(), dry_run=True
            )
        created = _create(verbs, name, wanted, wait_for_role=wait_for_role)
        if created is not None:
            return created
        current = verbs.get_domain(name)
    return update(verbs, current, wanted, remove_tags=remove_tags, dry_run=dry_run)


def _create(
    verbs: Verbs, name: str, wanted: DomainSettings, *, wait_for_role: bool
) -> EnsureResult | None:
    """CreateDomain, then the new role; None when the domain appeared meanwhile."""
    site = verbs.site
    with site.gate.turn():
        # The turn may have been long in coming; the creation gets a deadline of its own.
        verbs = site.verbs(budget=verbs.deadline.budget)
        before = list(verbs.list_roles()) if wait_for_role else []
        try:
            domain = verbs.create_domain(wanted.create_request(name))
        except AWSError as exc:
            if exc.code == "BadRequestException" and _ALREADY_EXISTS.search(exc.message):
                _log.info("domain %s appeared concurrently; updating it instead", name)
                return None
            raise
        if not wait_for_role:
            return EnsureResult(
                action=Action.CREATED,
                domain=domain,
                changes=wanted.as_new(),
                link_problem="the role was not awaited (wait_for_role=False)",
            )
        try:
            link, data = _attribution.observe_new_role(verbs, domain, before)
        except BaseException:
            site.account.creations.record(domain, None)
            raise
        site.account.creations.record(domain, link.role)
    if link.role is None or data is None:
        problem = str(_attribution.unlinked(domain, link, verbs.site.clock.now()))
        _log.warning("not tagging domain %s: %s", name, problem)
        return EnsureResult(
            action=Action.CREATED, domain=domain, changes=wanted.as_new(), link_problem=problem
        )
    verbs.tag_domain(domain, {LINKED_ROLE_TAG: link.role})
    domain = attrs.evolve(domain, tags={**domain.tags, LINKED_ROLE_TAG: link.role})
    linked = verbs.linked(data, Evidence.OBSERVED_AT_CREATION)
    return EnsureResult(
        action=Action.CREATED, domain=domain, changes=wanted.as_new(), linked_role=linked
    )


def update(
    verbs: Verbs,
    current: Domain,
    wanted: DomainSettings,
    *,
    remove_tags: Sequence[str] = (),
    dry_run: bool,
) -> EnsureResult:
    """Bring the existing domain *current* to *wanted*, writing only what differs.

    A domain without a link tag gets one when the evidence tells its role (a
    creation cut short, or a domain made by other tools): the repair is one of
    the changes. A domain too young for the evidence is waited for, within the
    deadline, except on a dry run.

    Raises:
        RetryDeadlineError: The domain would settle only after the deadline.
        AWSError: An API call failed.
    """
    linked, link_problem = None, None
    if LINKED_ROLE_TAG not in current.tags:
        current, linked, link_problem = _repair(verbs, current, wait=not dry_run)
    changes: list[FieldChange] = []
    request: dict[str, object] = {}
    for field, value in wanted.managed():
        have = getattr(current, field.name)
        setting = about(field)
        want = None if setting.clearable and value == "" else value
        if have != want:
            changes.append(FieldChange(field=field.name, old=have, new=want))
            request[setting.api] = "" if want is None else to_api(want)
    have_tags = current.tags
    new_tags = {k: v for k, v in (wanted.tags or {}).items() if have_tags.get(k) != v}
    if linked is not None:
        new_tags[LINKED_ROLE_TAG] = linked.name
    changes += [
        FieldChange(field=f"{TAGS}[{k}]", old=have_tags.get(k), new=v) for k, v in new_tags.items()
    ]
    # The link tag is slrkit's own: a caller never removes it (the kit checks the keys).
    gone = [k for k in remove_tags if k in have_tags and k != LINKED_ROLE_TAG]
    changes += [FieldChange(field=f"{TAGS}[{k}]", old=have_tags[k], new=None) for k in gone]
    if not changes:
        return EnsureResult(
            action=Action.UNCHANGED, domain=current, changes=(), link_problem=link_problem
        )
    if dry_run:
        return EnsureResult(
            action=Action.UPDATED,
            domain=current,
            changes=tuple(changes),
            linked_role=linked,
            link_problem=link_problem,
            dry_run=True,
        )
    domain = current
    if request:
        updated = verbs.update_domain(current.name, request)
        domain = attrs.evolve(updated, tags=current.tags, stats=current.stats)
    if new_tags:
        verbs.tag_domain(domain, new_tags)
        domain = attrs.evolve(domain, tags={**domain.tags, **new_tags})
    if gone:
        verbs.untag_domain(domain, gone)
        domain = attrs.evolve(domain, tags={k: v for k, v in domain.tags.items() if k not in gone})
    return EnsureResult(
        action=Action.UPDATED,
        domain=domain,
        changes=tuple(changes),
        linked_role=linked,
        link_problem=link_problem,
    )


def _repair(
    verbs: Verbs, domain: Domain, *, wait: bool
) -> tuple[Domain, LinkedRole | None, str | None]:
    """The domain as it is now, the role to record on it, or why there is none."""
    age = verbs.site.clock.now() - domain.created_at
    if wait and age < SETTLE_AFTER:
        verbs.deadline.wait_out(
            (SETTLE_AFTER - age).total_seconds(),
            f"domain {domain.name!r} to settle, so that the evidence can tell its role",
        )
        # Its creator may have tagged it meanwhile.
        domain = verbs.get_domain(domain.name)
        if LINKED_ROLE_TAG in domain.tags:
            return domain, None, None
    try:
        return domain, _attribution.identify(verbs, domain, to_record=True), None
    except LinkedRoleError as exc:
        return domain, None, str(exc)
