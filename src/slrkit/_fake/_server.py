"""A fake behind a loopback HTTP endpoint, for any client: ``slrkit serve`` and `FakeServer`.

The AWS CLI, Terraform, the Pulumi engine and every AWS SDK can talk to the fake
through a `Server`: point them at its `Server.endpoint_url` with
``--endpoint-url`` or ``AWS_ENDPOINT_URL_CUSTOMER_PROFILES`` /
``AWS_ENDPOINT_URL_IAM`` / ``AWS_ENDPOINT_URL_STS``. Each request goes to the
fake's own engine (`Backend.handle`), the one that also answers
`slrkit.testing.FakeAWS.session` clients, so there is one state machine behind
both. `slrkit.testing.FakeServer` is the public face of this class.

Routing. The service comes from the SigV4 credential scope of the
``Authorization`` header (or of a presigned URL's ``X-Amz-Credential``):
``Credential=AKID/20260101/eu-west-2/profile/aws4_request`` means Customer
Profiles in eu-west-2; ``iam`` and ``sts`` mean what they say. The operation
comes from the request itself (rest-json: method and path; query: ``Action``).
Signatures are never checked: this is a test server.

Accounts. An access key id of exactly twelve digits *is* the account id (as in
LocalStack), so ``AWS_ACCESS_KEY_ID=210987654321`` works in account
210987654321. Any other key works in the fake's own account.

Time. The fake's clock stays virtual; a `ScaledRealTime` moves it forward, at
each request, by the real seconds since the previous request times a scale
(1: real time; 60: a real second is a virtual minute; 0: time moves only through
the admin ``advance`` endpoint). Nothing ever sleeps inside a request.

Errors. Requests the server cannot route (no or garbled credentials, an
operation the model lacks, a wrong method, a body that is not a form) get the
error a real AWS endpoint sends, in the service's protocol: ``x-amzn-ErrorType``
and JSON for rest-json, ``<ErrorResponse>`` XML for query. Operations the
service has but the fake does not serve, and services other than those three,
get ``501 NotImplemented`` saying so. An injected connection fault closes the
connection without an answer, and so does a Customer Profiles call signed for a
region where the service has no endpoint (`Behaviour.profile_regions`): against
AWS the client could not connect at all, so a client here sees a connection
error too (botocore: ``ConnectionClosedError``), never a service error. A bug
in the fake is a ``500 InternalFailure`` (logged with its traceback on the
server, never sent to the client).

Logging goes to the ``slrkit.serve`` logger: one DEBUG line per request, with
method, path (without its query string), service, operation and status. The
``Authorization`` header and the credentials in it are never logged.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import selectors
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Final, cast
from urllib.parse import parse_qs, urlsplit

from slrkit._fake import _arguments
from slrkit._fake._admin import ADMIN_PREFIX, AdminApi
from slrkit._fake._engine import ConnectionFault, UnsupportedOperationError
from slrkit._fake._sigv4 import CredentialScope, credential_scope
from slrkit._fake._wire import (
    ErrorInfo,
    HttpRequest,
    ServiceCodec,
    UnknownOperationError,
    WireResponse,
    codec_for,
)
from slrkit._validate import validate_account_id
from slrkit.exceptions import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from types import TracebackType

    from typing_extensions import Self

    from slrkit._fake._backend import Backend
    from slrkit._fake._virtual_clock import VirtualClock

__all__ = [
    "DEFAULT_HOST",
    "MAX_TIME_SCALE",
    "SIGNING_NAMES",
    "ScaledRealTime",
    "Server",
    "is_loopback",
]

DEFAULT_HOST: Final = "127.0.0.1"

SIGNING_NAMES: Final[Mapping[str, str]] = {
    "profile": "customer-profiles",
    "iam": "iam",
    "sts": "sts",
}
"""The services served, by the SigV4 signing name their requests are scoped to."""

_logger = logging.getLogger("slrkit.serve")

MAX_TIME_SCALE: Final = 1e6
"""The fastest time a server runs: a real second is then some eleven virtual days."""

_MAX_BODY: Final = 1 << 20  # the served operations take a few KiB at most
_MAX_CALLS: Final = 10_000  # the call log a long-running server keeps
_QUERY_METHODS: Final = frozenset({"GET", "POST"})
_FORM: Final = "application/x-www-form-urlencoded"


def is_loopback(host: str) -> bool:
    """Whether *host* (an address or a name) means this machine only.

    A name counts when every address it resolves to is a loopback address.
    """
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


class ScaledRealTime:
    """Real time, times *scale*, driving a fake's virtual clock.

    The fake keeps its `VirtualClock`, so the admin ``advance`` endpoint and
    `FakeAWS.advance` still add time on top. Each `sync` moves the clock forward
    by the real seconds since the previous sync, times *scale*; a server syncs
    before it answers each request, which is when the fake looks at the time.
    Time stops at the clock's end (year 9999) instead of failing requests.

    Args:
        clock: The fake's clock.
        scale: Virtual seconds per real second, from 0 (time stands still) to
            `MAX_TIME_SCALE`.
        monotonic: The real clock (tests inject one).

    Raises:
        ValueError: If *scale* is not a number from 0 to `MAX_TIME_SCALE`.
    """

    def __init__(
        self,
        clock: VirtualClock,
        scale: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.scale: float = _arguments.number("time_scale", scale, high=MAX_TIME_SCALE)
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._last = monotonic()

    def sync(self) -> None:
        """Move the virtual clock forward by the real time passed since the last sync."""
        if not self.scale:
            return
        with self._lock:
            now = self._monotonic()
            elapsed, self._last = now - self._last, now
            if elapsed > 0:
                # At the end of time the clock stays there; an admin advance may get there first.
                with contextlib.suppress(InvalidInputError):
                    self._clock.advance(min(elapsed * self.scale, self._clock.remaining()))

    def __repr__(self) -> str:
        return f"ScaledRealTime(scale={self.scale:g}, clock={self._clock!r})"


class Server:
    """A fake's `Backend` behind an HTTP endpoint: a threading server on loopback.

    It listens from construction (so `endpoint_url` names the port even with
    *port* 0) and answers from `start`; use it as a context manager.
    `slrkit.testing.FakeServer` serves a `FakeAWS` this way.

    Args:
        backend: The fake to serve.
        host: The address to listen on.
        port: The port; 0 picks a free one.
        time_scale: Virtual seconds per real second (see `ScaledRealTime`).
        allow_remote: Allow a *host* other than loopback. Anyone who can reach
            the port can then read and change the fake, with any credentials.

    Raises:
        ValueError: If *host* is not loopback and *allow_remote* is False, or
            *time_scale* is invalid.
        OSError: If the address cannot be bound.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        time_scale: float = 1.0,
        allow_remote: bool = False,
    ) -> None:
        if not allow_remote and not is_loopback(host):
            raise ValueError(
                f"{host!r} is not a loopback address; pass allow_remote=True to serve "
                "the fake to other machines"
            )
        self.time: ScaledRealTime = ScaledRealTime(backend.clock, time_scale)
        self._httpd = _HttpServer(host, port, backend=backend, time=self.time)
        self._thread: threading.Thread | None = None
        self._stopped = False  # a stop began: the server never starts again
        self._stop_done = False  # a stop ended: another returns at once
        self._stop_lock = threading.Lock()

    @property
    def endpoint_url(self) -> str:
        """The URL clients use: ``http://127.0.0.1:PORT``."""
        host, port = self._httpd.address
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    @property
    def port(self) -> int:
        """The port it listens on."""
        return self._httpd.address[1]

    def start(self) -> Self:
        """Answer requests on a background (daemon) thread; returns the server.

        Raises:
            RuntimeError: If it was started or stopped before.
        """
        if self._thread is not None or self._stopped:
            raise RuntimeError(f"a {type(self).__name__} starts once")
        thread = threading.Thread(
            target=self._httpd.serve_until_stopped,
            name=f"slrkit-serve-{self.port}",
            daemon=True,
        )
        thread.start()
        self._thread = thread
        return self

    def stop(self) -> None:
        """Stop answering, close every connection and the socket, and sync the clock.

        A request read after the stop begins gets no answer, and one being answered
        finishes first: once this returns, the server changes the fake no more. Safe to
        call more than once (a call made while another runs returns when it ends; one
        interrupted, by Ctrl-C say, may be made again), and on a server never started.
        """
        with self._stop_lock:
            if self._stop_done:
                return
            self._stopped = True
            try:
                if self._thread is not None:
                    self._httpd.stop_serving()
                    self._thread.join()
            finally:
                try:
                    self._httpd.close_connections()
                finally:
                    self._httpd.server_close()
            self.time.sync()
            self._stop_done = True

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.endpoint_url}, {self.time!r})"


class _HttpServer(ThreadingHTTPServer):
    """The socket server: one daemon thread per connection, with what handlers share.

    It serves with `serve_until_stopped` rather than socketserver's ``serve_forever``,
    which wakes at every poll interval to look for a shutdown: this one sleeps until
    a client connects or `stop_serving` writes to its wake-up socket.
    """

    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128  # parallel clients connecting at once must not wait for SYN retries
    timeout = 0  # `handle_request` never waits: it runs only when a client is ready

    def __init__(self, host: str, port: int, *, backend: Backend, time: ScaledRealTime) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.backend = backend
        self.time = time
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._closing = False
        self._answering = 0
        self._answered = threading.Condition(self._connections_lock)
        self._wake_reader, self._wake_writer = socket.socketpair()
        try:
            super().__init__((host, port), _Handler)
        except BaseException:
            self._close_wake_up()  # socketserver closes only what it bound
            raise
        self.admin = AdminApi(backend, time_scale=time.scale, hosts=(host, self.address[0]))

    @property
    def address(self) -> tuple[str, int]:
        """The host and port it is bound to."""
        host, port = cast("tuple[str, int]", self.server_address[:2])
        return host, port

    def serve_until_stopped(self) -> None:
        """Answer each client as it connects, until `stop_serving`."""
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while True:
                ready = [key.fileobj for key, _ in selector.select()]
                if self._wake_reader in ready:  # `stop_serving` wrote to it
                    return
                if self in ready:
                    self.handle_request()

    def stop_serving(self) -> None:
        """End `serve_until_stopped` at once.

        A client it accepts meanwhile is ended by `close_connections`.
        """
        with contextlib.suppress(OSError):  # closed by an earlier stop, interrupted
            self._wake_writer.send(b"\0")

    def server_close(self) -> None:
        """Close the listening socket, then the wake-up sockets."""
        super().server_close()
        self._close_wake_up()

    def _close_wake_up(self) -> None:
        self._wake_reader.close()
        self._wake_writer.close()

    def track(self, connection: socket.socket) -> None:
        """Remember an open connection, so that `close_connections` can end it.

        After `close_connections`, end it at once: its handler started as the server stopped.
        """
        with self._connections_lock:
            if not self._closing:
                self._connections.add(connection)
                return
        _end(connection)

    def untrack(self, connection: socket.socket) -> None:
        """Forget a connection its handler has finished with."""
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        """End every open (keep-alive) connection, and any tracked after.

        It returns once the requests being answered are answered, and no handler then
        waits on a client or starts to answer one (`begin_answer`).
        """
        with self._connections_lock:
            self._closing = True
            connections = list(self._connections)
        for connection in connections:
            _end(connection)
        with self._answered:
            self._answered.wait_for(lambda: self._answering == 0)

    def begin_answer(self) -> bool:
        """Whether a handler may answer the request it read: not once connections close."""
        with self._connections_lock:
            if self._closing:
                return False
            self._answering += 1
            return True

    def end_answer(self) -> None:
        """A handler has answered (or failed to answer) its request."""
        with self._answered:
            self._answering -= 1
            self._answered.notify_all()

    def handle_error(self, request: object, client_address: object) -> None:
        """Log an error outside any request (a reset connection) instead of printing it."""
        del request, client_address
        # socketserver calls this from its `except` clause.
        _logger.debug("connection error", exc_info=True)  # noqa: LOG014


def _end(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):  # the client may have gone already
        connection.shutdown(socket.SHUT_RDWR)


class _Refusal(Exception):  # noqa: N818  # an answer, not an error of the server
    """An AWS error the server sends itself, before (or instead of) the engine."""

    def __init__(self, code: str, message: str, status: int, *, close: bool = False) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.close = close


class _Handler(BaseHTTPRequestHandler):
    """One connection: AWS requests go to the engine, ``/_slrkit/`` ones to the admin API."""

    protocol_version = "HTTP/1.1"  # keep-alive, as SDKs expect
    disable_nagle_algorithm = True  # else delayed ACKs cap a client at ~23 calls/s
    wbufsize = 1 << 16  # headers and body leave in one send, at http.server's flush
    server_version = "slrkit-serve"
    sys_version = ""
    timeout = 120  # an idle keep-alive connection frees its thread after this

    @property
    def _http(self) -> _HttpServer:
        """The server, with what handlers share (http.server types it as any server)."""
        return cast("_HttpServer", self.server)

    def setup(self) -> None:
        """Track the connection, so that stopping the server can end it."""
        super().setup()
        self._http.track(self.connection)

    def finish(self) -> None:
        """Forget the connection."""
        try:
            super().finish()
        finally:
            self._http.untrack(self.connection)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002  # http.server's name
        """Say nothing: http.server's lines hold the raw request line (and any presigned key)."""
        del format, args

    def _dispatch(self) -> None:
        if not self._http.begin_answer():  # the server stopped: the fake changes no more
            self.close_connection = True
            return
        try:
            self._http.time.sync()
            # The target is a path; `urlsplit` alone would read `//x` as a host.
            url = "http://slrkit.invalid" + self.path
            path = urlsplit(url).path
            if path.startswith(ADMIN_PREFIX):
                self._admin(path)
            else:
                self._aws(path, url)
        finally:
            self._http.end_answer()

    # http.server looks handlers up by these names; every method takes the same path.
    do_GET = do_POST = do_PUT = do_DELETE = _dispatch  # noqa: N815
    do_PATCH = do_HEAD = do_OPTIONS = _dispatch  # noqa: N815

    # -- admin ----------------------------------------------------------------------------

    def _admin(self, path: str) -> None:
        try:
            body = self._body()
        except _Refusal as refusal:
            self.close_connection = refusal.close
            self._send_json(refusal.status, json.dumps({"error": refusal.message}).encode())
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, document = self._http.admin.answer(self.command, path, headers, body)
        _logger.debug("%s %s -> admin: %d", self.command, path, status)
        self._send_json(status, document)

    def _send_json(self, status: int, document: bytes) -> None:
        self._send(
            WireResponse(status=status, headers={"Content-Type": "application/json"}, body=document)
        )

    # -- AWS ------------------------------------------------------------------------------

    def _aws(self, path: str, url: str) -> None:
        service_id = operation = "-"
        codec = self._fallback_codec(path, url)
        try:
            body = self._body()  # read before any refusal, so keep-alive stays in step
            service_id, scope = _service(self._scope(url, codec), codec)
            codec = codec_for(service_id)
            request = self._request(codec, url, body)
            operation = _operation(codec, request)
            response = self._http.backend.handle(
                service_id,
                operation,
                request,
                account_id=self._account(scope.access_key),
                region=scope.region,
            )
        except _Refusal as refusal:
            if refusal.close:
                self.close_connection = True
            response = _error(codec, refusal.code, refusal.message, refusal.status)
        except ConnectionFault as fault:
            _logger.debug(
                "%s %s -> %s %s: connection dropped (%s)",
                self.command,
                path,
                service_id,
                operation,
                fault.reason,
            )
            self.close_connection = True
            return
        except UnsupportedOperationError as exc:
            response = _error(codec, "NotImplemented", f"slrkit serve: {exc}", 501)
        except Exception:  # a bug in the fake: logged here, a 500 there
            _logger.exception("%s %s (%s %s) failed", self.command, path, service_id, operation)
            response = _error(codec, "InternalFailure", "the fake failed; see the server log", 500)
        self._http.backend.trim_calls(_MAX_CALLS)
        _logger.debug(
            "%s %s -> %s %s: %d", self.command, path, service_id, operation, response.status
        )
        self._send(response)

    def _scope(self, url: str, codec: ServiceCodec) -> CredentialScope | None:
        """The credential scope of the request; None if it has no credentials at all.

        Raises:
            _Refusal: If the credentials are there but cannot be read.
        """
        authorization = self.headers.get("Authorization")
        if authorization is None:
            presigned = parse_qs(urlsplit(url).query).get("X-Amz-Credential")
            if presigned is None:
                return None
            authorization = f"Credential={presigned[0]}"
        scope = credential_scope(authorization)
        if scope is None:
            raise _Refusal(
                _protocol_code(codec, "IncompleteSignature"),
                "Authorization header requires a 'Credential' parameter of the form "
                "KEY/DATE/REGION/SERVICE/aws4_request",
                400 if codec.protocol == "query" else 403,
            )
        return scope

    def _account(self, access_key: str) -> str:
        try:
            return validate_account_id(access_key)
        except InvalidInputError:
            return self._http.backend.account_id

    def _body(self) -> bytes:
        """The request body.

        Raises:
            _Refusal: For a chunked, oversized or unreadable body (and the
                connection must close: the rest of it is still unread).
        """
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise _Refusal(
                "MissingContentLength", "send a Content-Length, not chunks", 411, close=True
            )
        text = self.headers.get("Content-Length")
        if text is None:
            return b""
        try:
            length = int(text)
        except ValueError:
            raise _Refusal(
                "InvalidRequest", f"Content-Length {text!r} is not a number", 400, close=True
            ) from None
        if not 0 <= length <= _MAX_BODY:
            raise _Refusal(
                "RequestEntityTooLarge",
                f"the body may hold up to {_MAX_BODY} bytes",
                413,
                close=True,
            )
        body = self.rfile.read(length)
        if len(body) != length:  # the client left mid-body, or the stop ended it
            raise _Refusal(
                "IncompleteBody", "the body ended before its Content-Length", 400, close=True
            )
        return body

    def _request(self, codec: ServiceCodec, url: str, body: bytes) -> HttpRequest:
        """The request as the engine reads it; query bodies checked as forms first."""
        payload: bytes | str = body
        if codec.protocol == "query":
            if self.command not in _QUERY_METHODS:
                raise _Refusal(
                    "InvalidAction",
                    f"{codec.service_id} takes GET or POST requests, not {self.command}",
                    400,
                )
            try:
                payload = body.decode()
            except UnicodeDecodeError:
                raise _Refusal(
                    "MalformedQueryString", "the request body is not a UTF-8 form", 400
                ) from None
        return HttpRequest(
            method=self.command,
            url=url,
            headers=dict(self.headers.items()),
            body=payload,
        )

    def _fallback_codec(self, path: str, url: str) -> ServiceCodec:
        """The codec for errors before the service is known: query for forms, else rest-json."""
        content_type = self.headers.get("Content-Type", "")
        is_form = path == "/" and (
            content_type.startswith(_FORM) or "Action=" in urlsplit(url).query
        )
        return codec_for("iam" if is_form else "customer-profiles")

    def _send(self, response: WireResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)


def _service(scope: CredentialScope | None, codec: ServiceCodec) -> tuple[str, CredentialScope]:
    """The service id *scope* calls, or the refusal for no credentials or another service."""
    if scope is None:
        raise _Refusal(
            _protocol_code(codec, "MissingAuthenticationToken"),
            "Request is missing Authentication Token",
            403,
        )
    service_id = SIGNING_NAMES.get(scope.signing_name)
    if service_id is None:
        served = ", ".join(f"{sid} (signing name {name!r})" for name, sid in SIGNING_NAMES.items())
        raise _Refusal(
            "NotImplemented",
            f"slrkit serve does not serve {scope.signing_name!r}; it serves {served}",
            501,
        )
    return service_id, scope


def _operation(codec: ServiceCodec, request: HttpRequest) -> str:
    """The operation *request* calls, or the refusal the service would send."""
    try:
        return codec.resolve(request)
    except UnknownOperationError:
        pass
    if codec.protocol == "query":
        parts = urlsplit(request.url)
        form = parse_qs(parts.query) | parse_qs(str(request.body or ""))
        action = form.get("Action")
        if action is None:
            raise _Refusal("MissingAction", "Missing Action", 400)
        raise _Refusal(
            "InvalidAction",
            f"Could not find operation {action[0]} for version {codec.model.api_version}",
            400,
        )
    path = urlsplit(request.url).path
    raise _Refusal(
        "UnknownOperationException",
        f"{codec.service_id} has no operation at {request.method} {path}",
        404,
    )


def _protocol_code(codec: ServiceCodec, code: str) -> str:
    """An authentication error's code as the protocol spells it (rest-json adds Exception)."""
    return code if codec.protocol == "query" else f"{code}Exception"


def _error(codec: ServiceCodec, code: str, message: str, status: int) -> WireResponse:
    info = ErrorInfo(status=status, sender_fault=status < 500)  # noqa: PLR2004
    return codec.error(code, message, info, str(uuid.uuid4()))
