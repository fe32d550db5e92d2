"""A fake session's event handlers: copied in constant time, and exactly what botocore's show.

botocore copies a session's handlers into each client it makes. The fake's sessions keep
them in a trie whose copies share the nodes they keep (`slrkit._fake._events`); here random
registrations, removals and copies run on botocore's own trie and on the fake's side by
side, and every copy must answer every event with the same handlers, in the same order,
and fail where botocore's fails. The fake's clients also share what they learn of event
names' aliases, and check a handler's signature from its code: both must take and refuse
what botocore's do.
"""

from __future__ import annotations

import copy
import functools
import inspect
import sys
import threading
from typing import TYPE_CHECKING, Final, cast
from unittest import mock

import botocore
import botocore.hooks
import botocore.session
import pytest
from botocore.hooks import EVENT_ALIASES, BaseEventHooks, EventAliaser, HierarchicalEmitter
from hypothesis import given, settings
from hypothesis import strategies as st

from slrkit._fake._events import _SharedTrie
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from collections.abc import Callable

    import boto3

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


def _takes_kwargs(**_: object) -> None:
    return None


def _takes_none() -> None:
    return None


def _signed_without_kwargs(**_: object) -> None:
    return None


vars(_signed_without_kwargs)["__signature__"] = inspect.Signature()


def _text_signed_without_kwargs(**_: object) -> None:
    return None


vars(_text_signed_without_kwargs)["__text_signature__"] = "(a)"


class _Unbound:
    """A lazy proxy: every attribute it lacks fails, as an unbound one's do."""

    def __getattr__(self, name: str) -> object:
        raise RuntimeError(f"unbound: {name}")

    def __call__(self, **_: object) -> None:
        return None


def _no_class(_: object) -> type:
    raise RuntimeError("unbound: __class__")


def _proxy_call(_: object, **__: object) -> None:
    return None


_ClasslessProxy = type(
    "_ClasslessProxy", (), {"__class__": property(_no_class), "__call__": _proxy_call}
)
"""A proxy that fails when asked its class, as an unbound one may."""


class _WithFunc:
    """A callable whose ``__func__`` takes ``**kwargs`` while its own call does not."""

    __func__ = staticmethod(_takes_kwargs)

    def __call__(self, a: object = None) -> None:
        del a


class _Handlers:
    def takes_kwargs(self, **_: object) -> None:
        return None

    def takes_none(self) -> None:
        return None

    def __call__(self, **_: object) -> None:
        return None


HANDLER_KINDS: Final[dict[str, Callable[..., None]]] = {
    "function with **kwargs": _takes_kwargs,
    "function without": _takes_none,
    "lambda with **kwargs": lambda **_: None,  # pyright: ignore[reportUnknownLambdaType]
    "method with **kwargs": _Handlers().takes_kwargs,
    "method without": _Handlers().takes_none,
    "callable object": _Handlers(),
    "partial": functools.partial(_takes_kwargs),
    "function whose __signature__ lacks **kwargs": _signed_without_kwargs,
    "function whose __text_signature__ lacks **kwargs": _text_signed_without_kwargs,
    "builtin": print,
    "mock with a function's spec": mock.Mock(spec=_takes_kwargs),
    "mock with a method's spec": mock.Mock(spec=_Handlers().takes_kwargs),
    "proxy whose attributes fail": _Unbound(),
    "proxy that fails when asked its class": cast("Callable[..., None]", _ClasslessProxy()),
    "object with a __func__ of its own": _WithFunc(),
}


@pytest.mark.parametrize("kind", HANDLER_KINDS)
def test_a_handler_is_taken_or_refused_as_botocore_does(kind: str) -> None:
    """A fake client checks a handler's signature from its code when it can: what botocore's
    emitter refuses, it refuses with the same error, and what botocore takes, it takes."""
    handler = HANDLER_KINDS[kind]

    def outcome(events: BaseEventHooks) -> str | None:
        try:
            events.register("before-call.iam.ListRoles", handler)
        except Exception as error:  # noqa: BLE001 - the error is what is compared
            return f"{type(error).__name__}: {error}"
        return None

    assert outcome(FakeAWS().client("iam").meta.events) == outcome(HierarchicalEmitter())


def _fires(session: boto3.Session, registered: str, emitted: str) -> bool:
    """Whether a handler a new client of *session* registers for one name hears the other."""
    seen: list[str] = []

    def note(**_: object) -> None:
        seen.append("called")

    events = session.client("sts").meta.events  # pyright: ignore[reportUnknownMemberType]
    events.register(f"slrkit-test.{registered}.x", note)
    events.emit(f"slrkit-test.{emitted}.x")
    return seen == ["called"]


def test_clients_of_every_session_alias_event_names_as_botocore_does() -> None:
    """Every alias of botocore's works on a fake client, whether the client learns the name
    first or finds it learnt by another session's client."""
    fake = FakeAWS()
    for old, new in EVENT_ALIASES.items():
        for registered, emitted in ((old, new), (new, old)):
            assert _fires(fake.session(), registered, emitted), (registered, emitted)


def test_a_change_to_botocores_aliases_reaches_the_clients_made_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A client aliases as botocore's does under the aliases botocore has when it is made,
    whether its session was made before the change or after, and whether the table was
    changed or replaced; what earlier clients learnt of the same names does not count."""
    fake = FakeAWS()
    older = fake.session()

    def fires(session: boto3.Session) -> bool:
        return _fires(session, "slrkit-old", "slrkit-new")

    assert not fires(older)
    assert not fires(fake.session())
    monkeypatch.setitem(botocore.hooks.EVENT_ALIASES, "slrkit-old", "slrkit-new")
    assert fires(older)
    assert fires(fake.session())
    monkeypatch.undo()
    assert not fires(older)
    assert not fires(fake.session())
    monkeypatch.setattr(botocore.hooks, "EVENT_ALIASES", {"slrkit-old": "slrkit-new"})
    assert fires(older)
    assert fires(fake.session())


def test_an_initializer_that_puts_its_own_aliases_in_place_keeps_them(fake: FakeAWS) -> None:
    """An initializer may give a session an aliaser of its own over botocore's handlers:
    a fake session's clients alias as it says, as botocore's would."""

    def initialize(session: botocore.session.Session) -> None:
        handlers = getattr(session, "_original_handler")  # noqa: B009  # botocore's, no public door
        session.register_component(
            "event_emitter", EventAliaser(handlers, {"slrkit-old": "slrkit-new"})
        )

    botocore.register_initializer(initialize)
    try:
        session = fake.session()
    finally:
        botocore.unregister_initializer(initialize)
    assert _fires(session, "slrkit-old", "slrkit-new")
