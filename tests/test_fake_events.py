"""A fake session's event handlers: copied in constant time, and exactly what botocore's show.

botocore copies a session's handlers into each client it makes. The fake's sessions keep
them in a trie whose copies share the nodes they keep (`slrkit._fake._boto`); here random
registrations, removals and copies run on botocore's own trie and on the fake's side by
side, and every copy must answer every event with the same handlers, in the same order,
and fail where botocore's fails.
"""

from __future__ import annotations

import copy
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
