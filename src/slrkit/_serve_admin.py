"""The admin endpoints of ``slrkit serve``: the `FakeAWS` test hooks as JSON over HTTP.

So that a test harness in any language (a shell script, Terraform's tests, a Go
or Node suite) can steer the fake the way Python tests call `FakeAWS`:

- ``GET /_slrkit/health``: ``{"status": "ok", "account_id", "now", "monotonic",
  "time_scale"}``, the virtual time as an ISO 8601 timestamp and in seconds.
- ``GET /_slrkit/state``: the fake's state, the same document `FakeAWS.save`
  writes (and ``slrkit serve --state`` reads).
- ``GET /_slrkit/calls``: ``{"calls": [...]}``, the recorded attempts, oldest first.
- ``POST /_slrkit/<method>``: calls the `FakeAWS` method of that name (``_`` written
  ``-``) with the JSON object of the body as its keyword arguments; see `ACTIONS`.
  It answers ``{"ok": true, "now", "monotonic"}``.

Errors are ``{"error": "..."}``: 400 for a bad body or argument, 404 for an unknown
endpoint or a missing domain, 405 for a wrong method. No credentials are asked
for: the endpoints are as open as the server, which is why it listens on
loopback.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Final, cast

import attrs

from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from slrkit.testing import RecordedCall

__all__ = ["ACTIONS", "ADMIN_PREFIX", "AdminApi"]

ADMIN_PREFIX: Final = "/_slrkit/"
"""The reserved path of the admin endpoints; no AWS operation lives under it."""


@attrs.frozen
class _Param:
    """One keyword argument of an action: its JSON type, and whether it must be given."""

    kind: type[str | int | float]
    required: bool = True


_STR: Final = _Param(str)
_INT: Final = _Param(int)
_NUMBER: Final = _Param(float)
_OPTIONAL_STR: Final = _Param(str, required=False)
_OPTIONAL_INT: Final = _Param(int, required=False)
_OPTIONAL_NUMBER: Final = _Param(float, required=False)


@attrs.frozen
class _Action:
    """A `FakeAWS` method an admin endpoint calls, and the arguments it accepts."""

    method: Callable[..., object]
    params: Mapping[str, _Param]


ACTIONS: Final[Mapping[str, _Action]] = {
    "advance": _Action(FakeAWS.advance, {"seconds": _NUMBER}),
    "reset": _Action(FakeAWS.reset, {}),
    "fail": _Action(
        FakeAWS.fail,
        {
            "operation": _STR,
            "code": _STR,
            "times": _OPTIONAL_INT,
            "status": _OPTIONAL_INT,
            "message": _OPTIONAL_STR,
        },
    ),
    "fail-connection": _Action(
        FakeAWS.fail_connection,
        {"operation": _STR, "times": _OPTIONAL_INT, "kind": _OPTIONAL_STR},
    ),
    "set-latency": _Action(FakeAWS.set_latency, {"operation": _STR, "seconds": _NUMBER}),
    "rate-limit": _Action(
        FakeAWS.rate_limit,
        {"operation": _STR, "per_second": _NUMBER, "burst": _OPTIONAL_NUMBER},
    ),
    "clear-faults": _Action(FakeAWS.clear_faults, {}),
    "load-data": _Action(
        FakeAWS.load_data,
        {
            "domain_name": _STR,
            "region": _STR,
            "profiles": _INT,
            "objects": _OPTIONAL_INT,
            "account_id": _OPTIONAL_STR,
        },
    ),
    "clear-data": _Action(
        FakeAWS.clear_data,
        {"domain_name": _STR, "region": _STR, "account_id": _OPTIONAL_STR},
    ),
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
        fake: The served fake.
        time_scale: The server's time scale, for ``health``.
    """

    def __init__(self, fake: FakeAWS, *, time_scale: float) -> None:
        self.fake = fake
        self.time_scale = time_scale

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        """Answer one admin request: its status and JSON body."""
        try:
            document = self._answer(method, path[len(ADMIN_PREFIX) :], body)
        except _BadRequest as exc:
            return exc.status, _json({"error": exc.message})
        return 200, document if isinstance(document, bytes) else _json(document)

    def _answer(self, method: str, name: str, body: bytes) -> bytes | dict[str, object]:
        if name in _READS:
            _expect(method, "GET", name)
            if name == "state":
                return self._state()
            if name == "calls":
                return {"calls": [_call(call) for call in self.fake.calls]}
            return {"status": "ok", "account_id": self.fake.account_id, **self._time()}
        action = ACTIONS.get(name)
        if action is None:
            known = (
                ", ".join(f"GET {ADMIN_PREFIX}{n}" for n in _READS)
                + ", "
                + ", ".join(f"POST {ADMIN_PREFIX}{n}" for n in ACTIONS)
            )
            raise _BadRequest(404, f"no admin endpoint {ADMIN_PREFIX}{name}; there are: {known}")
        _expect(method, "POST", name)
        arguments = _arguments(name, action.params, body)
        try:
            action.method(self.fake, **arguments)
        except LookupError as exc:
            raise _BadRequest(404, str(exc).strip("'\"")) from exc
        except ValueError as exc:
            raise _BadRequest(400, str(exc)) from exc
        return {"ok": True, **self._time()}

    def _time(self) -> dict[str, object]:
        clock = self.fake.clock
        return {
            "now": clock.now().isoformat(),
            "monotonic": clock.monotonic(),
            "time_scale": self.time_scale,
        }

    def _state(self) -> bytes:
        # `FakeAWS.save` is the one writer of the state document, and it writes files.
        with tempfile.TemporaryDirectory(prefix="slrkit-serve-") as directory:
            path = Path(directory, "state.json")
            self.fake.save(path)
            return path.read_bytes()


def _expect(method: str, wanted: str, name: str) -> None:
    if method != wanted:
        raise _BadRequest(405, f"{ADMIN_PREFIX}{name} takes {wanted}, not {method}")


def _arguments(name: str, params: Mapping[str, _Param], body: bytes) -> dict[str, object]:
    """The keyword arguments in *body*, checked against the action's *params*."""
    try:
        decoded: object = json.loads(body or b"{}")
    except ValueError as exc:
        raise _BadRequest(400, f"the body of {name} is not JSON: {exc}") from exc
    if not isinstance(decoded, dict):
        raise _BadRequest(400, f"the body of {name} must be a JSON object")
    arguments = cast("dict[str, object]", decoded)
    unknown = sorted(set(arguments) - set(params))
    missing = sorted(
        key for key, param in params.items() if param.required and key not in arguments
    )
    if unknown or missing:
        raise _BadRequest(
            400,
            f"{name} takes {', '.join(params) or 'no arguments'}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            + (f"; missing: {', '.join(missing)}" if missing else ""),
        )
    for key, value in arguments.items():
        kind = params[key].kind
        fits = isinstance(value, (int, float) if kind is float else kind)
        if not fits or isinstance(value, bool):
            raise _BadRequest(400, f"{name}: {key} must be a {kind.__name__}, got {value!r}")
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
