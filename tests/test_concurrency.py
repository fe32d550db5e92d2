"""One ProfilesKit shared by many threads, on the fake: no errors, no lost updates, no duplicates.

The fake's virtual clock adds up the sleeps of all threads, so the kits here get
a long deadline; the point is correctness, not timing.
"""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Final

from slrkit import Action, ProfilesKit, RetryPolicy
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from collections.abc import Callable

REGION: Final = "eu-west-2"
ACCOUNT: Final = "123456789012"
THREADS: Final = 16
SHARED: Final = "shared"


def make_kit(fake: FakeAWS, *, session_hook: Callable[..., None] | None = None) -> ProfilesKit:
    session = fake.session(REGION)
    if session_hook is not None:
        session.events.register("after-call.customer-profiles.GetDomain", session_hook)
    lock = threading.Lock()
    jitter = random.Random(0)

    def rand() -> float:
        with lock:
            return jitter.random()

    return ProfilesKit(
        REGION,
        session=session,
        clock=fake.clock,
        rand=rand,
        retry=RetryPolicy(deadline=36_000.0),
    )


def run_all(jobs: list[Callable[[], object]]) -> list[object]:
    """Start every job at once (a barrier), on its own thread; results in job order."""
    barrier = threading.Barrier(len(jobs))

    def start(job: Callable[[], object]) -> object:
        barrier.wait()
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(start, jobs))


def test_sixteen_threads_of_mixed_work_lose_nothing() -> None:
    """Sixteen threads share one kit: each updates and retags its own domain, describes and
    plans it, and every other one deletes it, while all of them add their own tag to one
    shared domain; nothing fails, each domain ends as its thread left it, no tag is lost."""
    fake = FakeAWS(ACCOUNT)
    kit = make_kit(fake)
    # Domains created at the same moment cannot be told apart by their roles (slrkit then
    # refuses to guess, by design): these are created one by one, each with its role tagged.
    for n in range(THREADS):
        kit.ensure_domain(f"d{n:02d}", default_expiration_days=10 + n)
        fake.advance(600)
    kit.ensure_domain(SHARED, default_expiration_days=30)

    def work(n: int) -> Callable[[], object]:
        def job() -> object:
            name = f"d{n:02d}"
            updated = kit.ensure_domain(
                name, default_expiration_days=100 + n, tags={"owner": f"t{n}"}
            )
            assert updated.action is Action.UPDATED
            shared = kit.ensure_domain(SHARED, default_expiration_days=30, tags={f"t{n}": "yes"})
            assert shared.domain is not None
            assert shared.domain.tags[f"t{n}"] == "yes"
            kit.list_domains()
            kit.describe_linked_role(name)
            plan = kit.plan_domain_deletion(name)
            assert plan.safe
            if n % 2:
                report = kit.safe_delete_domain(name, confirm=name)
                assert report.domain_deleted
            return name

        return job

    names = run_all([work(n) for n in range(THREADS)])

    kept = sorted(str(name) for n, name in enumerate(names) if not n % 2)
    assert fake.domains(REGION) == tuple(sorted([*kept, SHARED]))
    for n, name in enumerate(names):
        if n % 2:
            continue
        result = kit.ensure_domain(
            str(name), default_expiration_days=100 + n, tags={"owner": f"t{n}"}, dry_run=True
        )
        assert result.action is Action.UNCHANGED
    shared = kit.ensure_domain(SHARED, default_expiration_days=30, dry_run=True)
    assert shared.domain is not None
    assert {f"t{n}" for n in range(THREADS)} <= set(shared.domain.tags)
    # Every remaining domain still has its own role; the deleted ones took theirs along.
    in_use = {arn for arns in fake.roles_in_use().values() for arn in arns}
    assert {arn.rsplit("/", 1)[1] for arn in in_use} == {*kept, SHARED}
    assert len(fake.linked_roles()) == len(kept) + 1


def test_concurrent_ensures_of_one_name_make_one_domain_that_both_see() -> None:
    """Two threads that both find the domain missing send CreateDomain in turn and end with
    one domain: one of them creates it, the other learns it exists and reports it unchanged."""
    fake = FakeAWS(ACCOUNT)
    both_decided = threading.Barrier(2)
    reads = iter(range(2))

    def wait_for_the_other(**_: object) -> None:
        if next(reads, None) is not None:  # the first read of each thread
            both_decided.wait()

    kit = make_kit(fake, session_hook=wait_for_the_other)

    def ensure() -> object:
        return kit.ensure_domain("acme", default_expiration_days=365, tags={"team": "cx"})

    results = run_all([ensure, ensure])

    assert fake.domains(REGION) == ("acme",)
    assert len(fake.calls_to("CreateDomain")) == 2
    actions = sorted(str(getattr(r, "action", None)) for r in results)
    # The second may find the domain before its creator tagged it: it then records the link
    # itself, the same one (the virtual clock lets it settle at once).
    assert actions in (["created", "unchanged"], ["created", "updated"])
    for result in results:
        domain = getattr(result, "domain", None)
        assert domain is not None
        assert domain.name == "acme"
        assert domain.default_expiration_days == 365
        assert domain.tags["team"] == "cx"
    assert len(fake.linked_roles(include_pending=True)) == 1


def test_sixteen_concurrent_ensures_of_one_name_make_one_domain() -> None:
    """Sixteen threads ensuring the same domain at once (a deploy fan-out) through one kit
    leave exactly one domain, created once, and each caller gets it back."""
    fake = FakeAWS(ACCOUNT)
    kit = make_kit(fake)

    def ensure() -> object:
        return kit.ensure_domain("acme", default_expiration_days=42, wait_for_role=False)

    results = run_all([ensure] * THREADS)

    assert fake.domains(REGION) == ("acme",)
    actions = [str(getattr(r, "action", None)) for r in results]
    assert actions.count("created") == 1
    assert set(actions) <= {"created", "unchanged", "updated"}
    assert all(getattr(getattr(r, "domain", None), "name", None) == "acme" for r in results)
    assert len(fake.linked_roles(include_pending=True)) == 1
    [role] = fake.roles_in_use()
    tags = fake.client("customer-profiles", REGION).get_domain(DomainName="acme").get("Tags", {})
    assert tags.get("slrkit:linked-role") in (None, role)
