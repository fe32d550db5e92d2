"""A fake session's event handlers: copied in constant time, and exactly what botocore's show.

botocore copies a session's handlers into each client it makes. The fake's sessions keep
them in a trie whose copies share the nodes they keep (`slrkit._fake._boto`); here random
registrations, removals and copies run on botocore's own trie and on the fake's side by
side, and every copy must answer every event with the same handlers, in the same order,
and fail where botocore's fails.
"""

from __future__ import annotations

import copy
import sys
import threading
from typing import Final

from botocore.hooks import HierarchicalEmitter
from hypothesis import given, settings
from hypothesis import strategies as st

from slrkit._fake._boto import _SharedTrie
from slrkit.testing import FakeAWS

EVENTS: Final = ("a", "a.b", "a.b.c", "a.c", "b", "b.a.c")
"""Event names that share prefixes, so that changes meet on the same nodes."""
PROBES: Final = (*EVENTS, "a.b.c.d", "a.x", "b.a", "c")


def _handler(n: int) -> object:
    def handler(**_: object) -> int:
        return n

    return handler


HANDLERS: Final = tuple(_handler(n) for n in range(4))

_index = st.integers(min_value=0, max_value=7)
_ops = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(["register", "register_first", "register_last"]),
            _index,
            st.sampled_from(EVENTS),
            st.sampled_from(range(len(HANDLERS))),
        ),
        st.tuples(
            st.just("unregister"),
            _index,
            st.sampled_from(PROBES),
            st.sampled_from(range(len(HANDLERS))),
        ),
        st.tuples(st.just("copy"), _index, st.just(""), st.just(0)),
    ),
    max_size=40,
)


def _outcome(emitter: HierarchicalEmitter, op: str, event: str, handler: int) -> str | None:
    """Apply one change; the type of the error it raised, if any."""
    try:
        getattr(emitter, op)(event, HANDLERS[handler])
    except Exception as exc:  # noqa: BLE001 - the error is what is compared
        return type(exc).__name__
    return None


def _answers(emitter: HierarchicalEmitter) -> list[list[object]]:
    return [[answer for _, answer in emitter.emit(event)] for event in PROBES]


@settings(max_examples=200, deadline=None)
@given(_ops)
def test_the_fakes_handlers_answer_as_botocores_through_every_change_and_copy(
    ops: list[tuple[str, int, str, int]],
) -> None:
    botocores = [HierarchicalEmitter()]
    fakes = [HierarchicalEmitter()]
    vars(fakes[0])["_handlers"] = _SharedTrie()
    for op, index, event, handler in ops:
        mine = index % len(botocores)
        if op == "copy":
            botocores.append(copy.copy(botocores[mine]))
            fakes.append(copy.copy(fakes[mine]))
        else:
            expected = _outcome(botocores[mine], op, event, handler)
            assert _outcome(fakes[mine], op, event, handler) == expected
        for theirs, ours in zip(botocores, fakes, strict=True):
            assert _answers(ours) == _answers(theirs)


def test_a_clients_handler_stays_its_own() -> None:
    """Every fake client starts from one shared copy of botocore's handlers: a handler
    registered on one client reaches neither another client, nor another fake's."""
    seen: list[str] = []

    def note(**_: object) -> None:
        seen.append("first")

    fake = FakeAWS()
    first = fake.client("iam", "eu-west-2")
    first.meta.events.register("before-call.iam.ListRoles", note)
    fake.client("iam", "eu-west-2").list_roles()
    FakeAWS().client("iam", "eu-west-2").list_roles()
    assert seen == []
    first.list_roles()
    assert seen == ["first"]


def test_handlers_registered_from_threads_on_one_client_are_all_kept() -> None:
    """botocore's trie changes distinct events' nodes in place, so registrations from several
    threads on one client all survive; every one must survive on a fake client too."""
    events = FakeAWS().client("iam", "eu-west-2").meta.events
    seen: list[int] = []
    threads, per_thread = 4, 2000

    # The node the threads share exists first: botocore's own makes new nodes racily.
    def first(**_: object) -> None:
        return None

    events.register("slrkit-test", first)

    def work(thread: int) -> None:
        for n in range(per_thread):

            def handler(n: int = n, **_: object) -> None:
                seen.append(n)

            events.register(f"slrkit-test.t{thread}.e{n % 50}", handler)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        sys.setswitchinterval(interval)
    for thread in range(threads):
        for event in range(50):
            events.emit(f"slrkit-test.t{thread}.e{event}")
    assert len(seen) == threads * per_thread
