"""The event handlers of the fake's sessions: botocore's, made once and copied cheaply.

botocore registers its built-in handlers in every session, copies the session's handlers
into every client it makes, checks each handler's signature when it is registered, and
gives each copy an empty cache of event names' aliases. Each of these took a large part of
making a fake client. Here the built-in handlers are registered once (`builtin_events`),
copies share the trie nodes they keep (`_SharedTrie`), a plain function's signature is
read from its code (`_Events`), and the clients of sessions made under the same aliases
share one cache of them (`share_aliases`); every copy still answers, and refuses, as
botocore's own would (`tests/test_fake_events.py`).
"""

from __future__ import annotations

import copy
import inspect
import operator
import threading
import types
from typing import TYPE_CHECKING, Any

import botocore.handlers
import botocore.hooks
from botocore.hooks import EventAliaser, HierarchicalEmitter, NodeList

if TYPE_CHECKING:
    from collections.abc import Callable

    from botocore.session import Session

    class _PrefixTrie:  # botocore's handler trie, which its stubs leave out
        _root: dict[str, Any]

        def append_item(self, key: str, value: Any, section: int = ...) -> None: ...  # noqa: ANN401
        def remove_item(self, key: str, value: Any) -> None: ...  # noqa: ANN401

    class _Emitter(HierarchicalEmitter):  # botocore's emitter, with the check its stubs leave out
        def _verify_accept_kwargs(self, func: Callable[..., object]) -> bool | None: ...

    class _EventAliaser(EventAliaser):  # botocore's aliaser, with the lookup its stubs leave out
        def _alias_event_name(self, event_name: str) -> str: ...

else:
    from botocore.hooks import _PrefixTrie

    _Emitter = HierarchicalEmitter
    _EventAliaser = EventAliaser

__all__ = ["builtin_events", "share_aliases"]


def builtin_events() -> HierarchicalEmitter:
    """The events a new session starts with: botocore's built-in handlers, less `before-send`.

    Registering them costs most of a session, so they are registered once and each
    session gets a copy, as each client gets a copy of its session's. The copy is
    remade whenever `botocore.handlers.BUILTIN_HANDLERS` no longer holds the very
    handlers it was made of (moto adds its own once imported).

    botocore calls every `before-send` handler and keeps the first answer, so being
    first is not enough: a built-in one (moto's) would still see, and act on, every
    request of the fake's clients. botocore itself has none; a fake session has none.
    """
    global _made_from  # noqa: PLW0603  # one value, replaced whole: threads see old or new
    # Read at every call: botocore registers whatever list the module holds now.
    builtins = list(botocore.handlers.BUILTIN_HANDLERS)
    made = _made_from
    if len(made[0]) == len(builtins) and all(map(operator.is_, made[0], builtins)):
        return made[1]
    events = _Events()
    vars(events)["_handlers"] = _SharedTrie()
    aliased = EventAliaser(events)
    # As botocore.session.Session registers them, from this one list.
    for spec in builtins:
        event_name, handler, *how = spec
        if event_name == "before-send":
            continue
        if how and how[0] is botocore.handlers.REGISTER_FIRST:
            aliased.register_first(event_name, handler)
        elif how and how[0] is botocore.handlers.REGISTER_LAST:
            aliased.register_last(event_name, handler)
        elif not how:
            aliased.register(event_name, handler)
    _made_from = (builtins, events)
    return events


class _Events(_Emitter):
    """botocore's emitter, which reads from its code whether a plain function takes ``**kwargs``.

    botocore checks every handler it registers with `inspect.getfullargspec`, which took a
    fifth of a fake client's creation: a client registers a dozen handlers, most of them
    methods of objects made for it. For a plain function, or a method of one, that carries
    none of the attributes `inspect` reads instead of its code, the signature takes
    ``**kwargs`` exactly when its code does. Any other handler (a callable object, a
    partial, a mock), and any function that does not take them, is botocore's to check.
    """

    def _verify_accept_kwargs(self, func: Callable[..., object]) -> bool | None:
        # Exact types: a mock made with a function's spec passes isinstance, and a proxy
        # may fail when asked its class.
        function = getattr(func, "__func__", None) if type(func) is types.MethodType else func
        if (
            type(function) is types.FunctionType
            and _SIGNATURE_ATTRIBUTES.isdisjoint(vars(function))
            and function.__code__.co_flags & inspect.CO_VARKEYWORDS
        ):
            return None
        return super()._verify_accept_kwargs(func)


_SIGNATURE_ATTRIBUTES = frozenset(
    {"__signature__", "__text_signature__", "_partialmethod", "__partialmethod__"}
)
"""What `inspect` reads of a function before its code (the partial method's name by version)."""


class _Aliaser(_EventAliaser):
    """botocore's event aliaser, whose copies share what they learn of event names.

    An aliaser caches the name each event name stands for, and botocore copies a session's
    into every client with an empty cache; a new client then works every name out again,
    by splitting it once per alias. The answer depends only on the aliases. As botocore's,
    a session's aliaser follows botocore's aliases as they change, and a client keeps those
    of its making; here each takes them with the cache that every aliaser under the same
    aliases fills.
    """

    def __init__(
        self, events: _Events, kept: tuple[dict[str, str], dict[str, str]] | None = None
    ) -> None:
        aliases, cache = kept if kept is not None else _learnt_aliases()
        super().__init__(events, aliases)
        self._alias_name_cache = cache
        self._events = events
        self._kept = kept

    def __copy__(self) -> _Aliaser:
        return _Aliaser(copy.copy(self._events), self._kept or _learnt_aliases())

    def _alias_event_name(self, event_name: str) -> str:
        if self._kept is None:  # a session's: botocore's aliases as they are now
            self._event_aliases, self._alias_name_cache = _learnt_aliases()
        return super()._alias_event_name(event_name)


def _learnt_aliases() -> tuple[dict[str, str], dict[str, str]]:
    """The aliases botocore has now, and what the aliasers that use them learnt."""
    global _learnt  # noqa: PLW0603  # one value, replaced whole: threads see old or new
    learnt = _learnt
    # Read at every call, as botocore reads it: a test may put another table in place.
    aliases = botocore.hooks.EVENT_ALIASES
    if learnt[0] != aliases:
        learnt = _learnt = (dict(aliases), {})
    return learnt


_learnt: tuple[dict[str, str], dict[str, str]] = ({}, {})
"""The aliases the last new `_Aliaser` took, and the name each event name stands for under them."""


class _SharedTrie(_PrefixTrie):
    """botocore's handler trie, copied in constant time: copies share the nodes they keep.

    botocore copies a session's events into each client it makes, and copying its trie
    node by node took most of a fake client's creation. Here a change copies the nodes on
    its path instead (and the lists it edits), so no node that another copy can reach is
    ever changed in place: every copy sees what it would have seen with botocore's own.

    A change builds its new root apart and puts it in place under the trie's lock: threads
    that register handlers on one client at once each keep theirs, as botocore's trie,
    which edits their nodes in place, lets them.
    """

    def __init__(self) -> None:
        super().__init__()
        self._changing = threading.Lock()

    def __copy__(self) -> _SharedTrie:
        shared = _SharedTrie()
        shared._root = self._root
        return shared

    def append_item(self, key: str, value: Any, section: int = 1) -> None:  # noqa: ANN401
        with self._changing:
            self._append(key, value, section)

    def remove_item(self, key: str, value: Any) -> None:  # noqa: ANN401
        with self._changing:
            self._remove(key, value)

    def _append(self, key: str, value: Any, section: int) -> None:  # noqa: ANN401
        root = node = _node_copy(self._root)
        for part in key.split("."):
            found: dict[str, Any] | None = node["children"].get(part)
            child: dict[str, Any] = (
                {"chunk": part, "values": None, "children": {}}
                if found is None
                else _node_copy(found)
            )
            node["children"][part] = child
            node = child
        values: NodeList = copy.copy(node["values"]) or NodeList([], [], [])
        values[section].append(value)
        node["values"] = values
        self._root = root

    def _remove(self, key: str, value: Any) -> None:  # noqa: ANN401
        nodes = [_node_copy(self._root)]
        for part in key.split("."):
            child = nodes[-1]["children"].get(part)
            if child is None:
                raise ValueError(f"key is not in trie: {key}")
            nodes.append(_node_copy(child))
        # As botocore's: a value in no section is left alone, and a leaf without
        # values fails (AttributeError).
        values: NodeList = copy.copy(nodes[-1]["values"])
        section = next(
            (part for part in (values.first, values.middle, values.last) if value in part),
            None,
        )
        if section is not None:
            section.remove(value)
        nodes[-1]["values"] = values
        for parent, child in zip(reversed(nodes[:-1]), reversed(nodes[1:]), strict=True):
            if child["children"] or child["values"]:
                parent["children"][child["chunk"]] = child
            else:
                del parent["children"][child["chunk"]]
        self._root = nodes[0]


def _node_copy(node: dict[str, Any]) -> dict[str, Any]:
    """A trie node to change: its own dict and children dict (its values are copied apart)."""
    return {**node, "children": dict(node["children"])}


_made_from: tuple[list[Any], _Events] = ([], _Events())
"""The built-in handlers `builtin_events` last registered, and the events it made of them."""


def share_aliases(core: Session, events: HierarchicalEmitter) -> None:
    """Make the emitter that *core*'s clients copy an aliaser over *events* that shares.

    The session keeps its own aliaser over the same handlers; only the component that
    clients copy changes. An emitter that a botocore initializer put in place is kept.
    """
    made = core.get_component("event_emitter")
    if (
        isinstance(events, _Events)
        and type(made) is EventAliaser
        and getattr(made, "_emitter", None) is events
        and getattr(made, "_event_aliases", None) is botocore.hooks.EVENT_ALIASES
    ):
        core.register_component("event_emitter", _Aliaser(events))
