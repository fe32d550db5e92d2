"""The admin endpoints of ``slrkit serve``: the fake's test hooks as JSON over HTTP.

So that a test harness in any language (a shell script, Terraform's tests, a Go
or Node suite) can steer the fake the way Python tests call `FakeAWS`:

- ``GET /_slrkit/health``: ``{"status": "ok", "account_id", "now", "monotonic",
  "time_scale"}``, the virtual time as an ISO 8601 timestamp and in seconds.
- ``GET /_slrkit/state``: the fake's state, the same document `FakeAWS.save`
  writes (and ``slrkit serve --state`` reads).
- ``GET /_slrkit/calls``: ``{"calls": [...]}``, the recorded attempts, oldest first.
- ``POST /_slrkit/<method>``: calls the `FakeAWS` method of that name (``_`` written
  ``-``) with the JSON object of the body as its keyword arguments; see `ACTIONS`.
  The method checks them, as it does for Python callers (`Backend`).
  It answers ``{"ok": true, "now", "monotonic"}``.

Errors are ``{"error": "..."}``: 400 for a bad body or argument (naming the rule),
404 for an unknown endpoint or a missing domain, 405 for a wrong method. No
credentials are asked for: the endpoints are as open as the server, which is why
it listens on loopback.

What a web page in the user's browser could send is refused, since it could
otherwise steer or read a running server: 403 for a ``Host`` that is not this
server's (a loopback name or address, or the address it was bound to; this also
stops DNS rebinding) and for an ``Origin`` other than the server's own, and 415 for
a POST whose ``Content-Type`` is not ``application/json`` (a cross-origin POST
without a preflight cannot be JSON). Requests without ``Host`` or ``Origin`` come
from no browser, and pass.
"""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING, Final, cast

import attrs

from slrkit._fake import _persist
from slrkit._fake._backend import Backend

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from slrkit._fake._calls import RecordedCall

__all__ = ["ACTIONS", "ADMIN_PREFIX", "AdminApi"]

ADMIN_PREFIX: Final = "/_slrkit/"
"""The reserved path of the admin endpoints; no AWS operation lives under it."""


@attrs.frozen
class _Action:
    """A `Backend` method an admin endpoint calls, and the keyword arguments it accepts."""

    method: Callable[..., object]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


ACTIONS: Final[Mapping[str, _Action]] = {
    "advance": _Action(Backend.advance, ("seconds",)),
    "reset": _Action(Backend.reset),
    "fail": _Action(Backend.fail, ("operation", "code"), ("times", "after", "status", "message")),
    "fail-connection": _Action(Backend.fail_connection, ("operation",), ("times", "after", "kind")),
    "set-latency": _Action(Backend.set_latency, ("operation", "seconds")),
    "rate-limit": _Action(Backend.rate_limit, ("operation", "per_second"), ("burst",)),
    "clear-faults": _Action(Backend.clear_faults),
    "load-data": _Action(
        Backend.load_data, ("domain_name", "region", "profiles"), ("objects", "account_id")
    ),
    "clear-data": _Action(Backend.clear_data, ("domain_name", "region"), ("account_id",)),
}
"""The POST endpoints, by the name after ``/_slrkit/``."""

_READS: Final = ("health", "state", "calls")


class _BadRequest(Exception):  # noqa: N818  # an answer, not an error of the server
    """An admin request to answer with *status* and *message*."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class AdminApi:
    """Answers the admin endpoints of one served fake.

    Args:
        backend: The served fake.
        time_scale: The server's time scale, for ``health``.
        hosts: The names and addresses the server was given and is bound to; with
            loopback ones, the only ``Host`` values answered.
    """

    def __init__(self, backend: Backend, *, time_scale: float, hosts: Iterable[str]) -> None:
        self.backend = backend
        self.time_scale = time_scale
        self._hosts = frozenset(_name(host) for host in hosts) | {"localhost"}
        self._any_address = any(_is_unspecified(host) for host in self._hosts)

    def answer(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bytes]:
        """Answer one admin request (*headers* by lower-case name): its status and JSON body."""
        try:
            self._refuse_cross_origin(method, headers)
            document = self._answer(method, path[len(ADMIN_PREFIX) :], body)
        except _BadRequest as exc:
            return exc.status, _json({"error": exc.message})
        return 200, document if isinstance(document, bytes) else _json(document)

    def _refuse_cross_origin(self, method: str, headers: Mapping[str, str]) -> None:
        """Refuse what a web page could send (see the module docstring)."""
        host = headers.get("host")
        if host is not None and not self._serves(_name(_host_part(host))):
            raise _BadRequest(
                403,
                f"the admin endpoints answer requests for this server only, not Host {host!r}: "
                "use its address or localhost",
            )
        origin = headers.get("origin")
        if origin is not None and (host is None or origin.lower() != f"http://{host.lower()}"):
            raise _BadRequest(403, f"cross-origin requests are refused (Origin {origin!r})")
        media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
        if method == "POST" and media_type != "application/json":
            raise _BadRequest(
                415, "a POST needs Content-Type: application/json (curl -H 'Content-Type: ...')"
            )

    def _serves(self, name: str) -> bool:
        if name in self._hosts:
            return True
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            return False
        return address.is_loopback or self._any_address

    def _answer(self, method: str, name: str, body: bytes) -> bytes | dict[str, object]:
        if name in _READS:
            _expect(method, "GET", name)
            if name == "state":
                return _persist.encode(self.backend)
            if name == "calls":
                return {"calls": [_call(call) for call in self.backend.calls]}
            return {"status": "ok", "account_id": self.backend.account_id, **self._time()}
        action = ACTIONS.get(name)
        if action is None:
            known = (
                ", ".join(f"GET {ADMIN_PREFIX}{n}" for n in _READS)
                + ", "
                + ", ".join(f"POST {ADMIN_PREFIX}{n}" for n in ACTIONS)
            )
            raise _BadRequest(404, f"no admin endpoint {ADMIN_PREFIX}{name}; there are: {known}")
        _expect(method, "POST", name)
        arguments = _arguments(name, action, body)
        try:
            action.method(self.backend, **arguments)
        except LookupError as exc:
            raise _BadRequest(404, str(exc).strip("'\"")) from exc
        except ValueError as exc:
            raise _BadRequest(400, str(exc)) from exc
        return {"ok": True, **self._time()}

    def _time(self) -> dict[str, object]:
        clock = self.backend.clock
        return {
            "now": clock.now().isoformat(),
            "monotonic": clock.monotonic(),
            "time_scale": self.time_scale,
        }


def _host_part(host: str) -> str:
    """The name or address of a ``Host`` header: ``[::1]:4599`` gives ``::1``."""
    if host.startswith("["):
        return host[1:].partition("]")[0]
    name, colon, port = host.rpartition(":")
    return name if colon and port.isdigit() else host


def _name(host: str) -> str:
    return host.lower().rstrip(".")


def _is_unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def _expect(method: str, wanted: str, name: str) -> None:
    if method != wanted:
        raise _BadRequest(405, f"{ADMIN_PREFIX}{name} takes {wanted}, not {method}")


def _arguments(name: str, action: _Action, body: bytes) -> dict[str, object]:
    """The keyword arguments in *body*, if they are the ones *action* takes."""
    try:
        decoded: object = json.loads(body or b"{}")
    except ValueError as exc:
        raise _BadRequest(400, f"the body of {name} is not JSON: {exc}") from exc
    if not isinstance(decoded, dict):
        raise _BadRequest(400, f"the body of {name} must be a JSON object")
    arguments = cast("dict[str, object]", decoded)
    accepted = action.required + action.optional
    unknown = sorted(set(arguments) - set(accepted))
    missing = [key for key in action.required if key not in arguments]
    if unknown or missing:
        raise _BadRequest(
            400,
            f"{name} takes {', '.join(accepted) or 'no arguments'}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            + (f"; missing: {', '.join(missing)}" if missing else ""),
        )
    return arguments


def _call(call: RecordedCall) -> dict[str, object]:
    return {
        "service": call.service,
        "operation": call.operation,
        "region": call.region,
        "account_id": call.account_id,
        "params": dict(call.params),
        "status": call.status,
        "error_code": call.error_code,
        "at": call.at,
    }


def _json(document: Mapping[str, object]) -> bytes:
    # Parameters may hold timestamps or bytes: they show as text.
    return json.dumps(document, default=str).encode()
