"""The wire: AWS requests in, AWS responses out, driven by botocore's service models.

Two protocols cover the services the fake serves: ``rest-json`` (Customer
Profiles) and ``query`` (IAM, STS). For each operation a `OperationCodec` is
compiled once from the model and cached; it reads a request exactly as the
service receives it (method, URL and body: no served operation takes a header
member) into a parameter dict, and writes a result dict or an error back as
(status, headers, body). Nothing here knows about boto3 or the fake's state, so
the same codecs can serve a real HTTP listener.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, cast
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

import attrs
from botocore.model import ListShape

from slrkit._fake._encodings import (
    Convert,
    JsonConverters,
    QueryReaders,
    WireFormatError,
    XmlWriters,
    identity,
    scalar_from_text,
    wire_name,
    xml_text,
)
from slrkit._fake._loader import service_model
from slrkit._fake._shapes import Check, CheckerCache, View

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel, Shape

__all__ = [
    "ErrorInfo",
    "HttpRequest",
    "OperationCodec",
    "ServiceCodec",
    "UnknownOperationError",
    "WireResponse",
    "codec_for",
    "text_of",
]

Params = dict[str, object]
Headers = Mapping[str, str | bytes]
Parsed = tuple[Params, tuple[str, ...]]
"""A request's parameters, and the model's constraints they break (none, for a good request)."""


@attrs.frozen(kw_only=True)
class WireResponse:
    """An HTTP response as the service would send it."""

    status: int
    headers: Mapping[str, str]
    body: bytes


@attrs.frozen(kw_only=True)
class HttpRequest:
    """An HTTP request as the service receives it (header values may be bytes)."""

    method: str
    url: str
    headers: Headers
    body: bytes | str | None


class UnknownOperationError(LookupError):
    """The request names no operation of the service's model."""


@attrs.frozen(kw_only=True)
class ErrorInfo:
    """How the service sends one error code: its HTTP status and whether the caller is at fault."""

    status: int
    sender_fault: bool


# Errors every AWS service may send without modelling them per operation (the "common
# errors" of the API references). Modeled errors always win over these.
_COMMON_ERRORS: Final[Mapping[str, Mapping[str, ErrorInfo]]] = {
    "query": {
        "AccessDenied": ErrorInfo(status=403, sender_fault=True),
        "IncompleteSignature": ErrorInfo(status=400, sender_fault=True),
        "InternalFailure": ErrorInfo(status=500, sender_fault=False),
        "InvalidAction": ErrorInfo(status=400, sender_fault=True),
        "InvalidClientTokenId": ErrorInfo(status=403, sender_fault=True),
        "MissingAction": ErrorInfo(status=400, sender_fault=True),
        "RequestExpired": ErrorInfo(status=400, sender_fault=True),
        "ServiceUnavailable": ErrorInfo(status=503, sender_fault=False),
        "SignatureDoesNotMatch": ErrorInfo(status=403, sender_fault=True),
        "Throttling": ErrorInfo(status=400, sender_fault=True),
        "ValidationError": ErrorInfo(status=400, sender_fault=True),
    },
    "rest-json": {
        "AccessDeniedException": ErrorInfo(status=403, sender_fault=True),
        "InternalFailure": ErrorInfo(status=500, sender_fault=False),
        "SerializationException": ErrorInfo(status=400, sender_fault=True),
        "ServiceUnavailableException": ErrorInfo(status=503, sender_fault=False),
        "ThrottlingException": ErrorInfo(status=429, sender_fault=True),
        "UnknownOperationException": ErrorInfo(status=404, sender_fault=True),
        "UnrecognizedClientException": ErrorInfo(status=403, sender_fault=True),
        "ValidationException": ErrorInfo(status=400, sender_fault=True),
    },
}


def text_of(value: str | bytes) -> str:
    """Header values and bodies may be bytes or str; the codecs read str."""
    return value.decode() if isinstance(value, bytes) else value


# --- operations and services -----------------------------------------------------------


@attrs.frozen(kw_only=True)
class OperationCodec:
    """Everything compiled for one operation: parse a request, check and write a response."""

    name: str
    service_id: str
    qualified_name: str  # "iam:GetRole": how faults, limits and messages name it
    model: OperationModel
    parse: Callable[[HttpRequest], Parsed]
    output_check: Check | None
    write: Callable[[Mapping[str, object], str], WireResponse]
    errors: Mapping[str, ErrorInfo]


class ServiceCodec:
    """Reads and writes the wire format of one AWS service, from its botocore model.

    Args:
        service_name: The botocore service name (``"iam"``).
        throttling_code: The error code the service throttles with.
        validation_code: The error code for a request that breaks the model's constraints.
    """

    def __init__(self, service_name: str, *, throttling_code: str, validation_code: str) -> None:
        self.model: ServiceModel = service_model(service_name)
        self.service_id: str = self.model.service_id.hyphenize()
        self.protocol: str = self.model.protocol
        self.throttling_code = throttling_code
        self.validation_code = validation_code
        self._checks = CheckerCache()
        self._operations: dict[str, OperationCodec] = {}
        self._lock = threading.Lock()
        self._routes: list[tuple[str, re.Pattern[str], str]] | None = None
        namespace = self.model.metadata.get("xmlNamespace")
        if not isinstance(namespace, str):
            namespace = (
                f"https://{self.model.endpoint_prefix}.amazonaws.com/doc/{self.model.api_version}/"
            )
        self._xml_namespace = namespace
        self._json_in = JsonConverters(reading=True)
        self._json_out = JsonConverters(reading=False)
        self._query_in = QueryReaders()
        self._xml_out = XmlWriters()
        self._service_errors = self._error_table(self.model.error_shapes)

    def operation(self, name: str) -> OperationCodec:
        """Return the compiled codec of operation *name*.

        Raises:
            UnknownOperationError: If the model has no such operation.
        """
        codec = self._operations.get(name)
        if codec is None:
            with self._lock:
                codec = self._operations.get(name)
                if codec is None:
                    codec = self._compile(name)
                    self._operations[name] = codec
        return codec

    def resolve(self, request: HttpRequest) -> str:
        """Find the operation a raw HTTP request calls (for a listener that has no event name).

        Raises:
            UnknownOperationError: If no operation matches.
        """
        parts = urlsplit(request.url)
        if self.protocol == "query":
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            if request.body:
                params.update(parse_qsl(text_of(request.body), keep_blank_values=True))
            action = params.get("Action")
            if action is None or action not in self.model.operation_names:
                raise UnknownOperationError(f"{self.service_id} has no action {action!r}")
            return action
        for route_method, pattern, name in self._rest_routes():
            if route_method == request.method and pattern.fullmatch(parts.path):
                return name
        raise UnknownOperationError(
            f"{self.service_id} has no operation at {request.method} {parts.path}"
        )

    def error_info(self, operation: str, code: str) -> ErrorInfo | None:
        """How *code* is sent by *operation*: the model first, then the common errors."""
        modeled = self.operation(operation).errors.get(code) or self._service_errors.get(code)
        return modeled or _COMMON_ERRORS[self.protocol].get(code)

    def error(self, code: str, message: str, info: ErrorInfo, request_id: str) -> WireResponse:
        """Write an error response in the service's protocol."""
        if self.protocol == "query":
            kind = "Sender" if info.sender_fault else "Receiver"
            body = (
                f'<ErrorResponse xmlns="{self._xml_namespace}"><Error><Type>{kind}</Type>'
                f"<Code>{code}</Code><Message>{xml_text(message)}</Message>"
                f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
            )
            return WireResponse(
                status=info.status, headers=self._xml_headers(request_id), body=body.encode()
            )
        return WireResponse(
            status=info.status,
            headers={
                "Content-Type": "application/json",
                "x-amzn-RequestId": request_id,
                "x-amzn-ErrorType": code,
            },
            body=json.dumps({"Message": message}).encode(),
        )

    # -- compilation ------------------------------------------------------------------

    @staticmethod
    def _error_table(shapes: list[Shape]) -> dict[str, ErrorInfo]:
        table: dict[str, ErrorInfo] = {}
        for shape in shapes:
            meta = cast("Mapping[str, Any]", shape.metadata.get("error") or {})
            code = str(meta.get("code", shape.name))
            status = int(meta.get("httpStatusCode", 400))
            fault = bool(shape.metadata.get("fault")) or status >= 500  # noqa: PLR2004
            table[code] = ErrorInfo(status=status, sender_fault=not fault)
        return table

    def _compile(self, name: str) -> OperationCodec:
        if name not in self.model.operation_names:
            raise UnknownOperationError(f"{self.service_id} has no operation {name!r}")
        model = self.model.operation_model(name)
        input_shape = model.input_shape
        output_shape = model.output_shape
        input_check: Check = (
            self._checks.get(input_shape) if input_shape is not None else _accept_anything
        )
        output_check = self._checks.get(output_shape) if output_shape is not None else None
        if self.protocol == "query":
            read = self._query_reader(model)
            write = self._xml_writer(model)
        else:
            read = self._rest_json_reader(model)
            write = self._json_writer(model)
        return OperationCodec(
            name=name,
            service_id=self.service_id,
            qualified_name=f"{self.service_id}:{name}",
            model=model,
            parse=_parser(read, input_check),
            output_check=output_check,
            write=write,
            errors=self._error_table(model.error_shapes),
        )

    def _rest_routes(self) -> list[tuple[str, re.Pattern[str], str]]:
        if self._routes is None:
            routes: list[tuple[str, re.Pattern[str], str]] = []
            for name in self.model.operation_names:
                http = self.model.operation_model(name).http
                routes.append((http["method"], _uri_pattern(http["requestUri"]), name))
            # Literal segments beat labels: `/domains/x/profiles` before `/domains/{Name}`.
            routes.sort(key=lambda route: -len(route[1].pattern.split("(?P<")[0]))
            self._routes = routes
        return self._routes

    # -- rest-json --------------------------------------------------------------------

    def _rest_json_reader(self, model: OperationModel) -> Callable[[HttpRequest], Params]:
        shape = model.input_shape
        if shape is None:
            return _no_params
        pattern = _uri_pattern(model.http["requestUri"])
        labels: dict[str, tuple[str, Shape]] = {}
        query: list[tuple[str, str, Shape]] = []
        has_body = False
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = wire_name(name, member)
            if location == "uri":
                labels[_group_name(wire)] = (name, member)
            elif location == "querystring":
                query.append((wire, name, member))
            elif location is None:
                has_body = True
            else:
                # No operation of the served services reads one; parse() relies on that.
                raise NotImplementedError(f"{model.name}: {location} members are not served")
        body_convert = self._json_in.get(shape)

        def read(request: HttpRequest) -> Params:
            parts = urlsplit(request.url)
            params = _json_body(request.body, body_convert) if has_body else {}
            if labels:
                _read_labels(pattern, parts.path, labels, params)
            if query and parts.query:
                _read_query_members(parts.query, query, params)
            return params

        return read

    def _json_writer(
        self, model: OperationModel
    ) -> Callable[[Mapping[str, object], str], WireResponse]:
        shape = model.output_shape
        status = int(model.http.get("responseCode", 200))
        if shape is not None and shape.serialization.get("payload"):
            raise NotImplementedError(f"{model.name}: output payloads are not served yet")
        for member in shape.members.values() if shape is not None else ():
            location = member.serialization.get("location")
            if location is not None:
                raise NotImplementedError(f"{model.name}: {location} output members are not served")
        convert = self._json_out.get(shape) if shape is not None else identity
        written = f"json:{shape.name if shape is not None else ''}"

        def write(result: Mapping[str, object], request_id: str) -> WireResponse:
            headers = {"Content-Type": "application/json", "x-amzn-RequestId": request_id}
            if type(result) is View:
                # The same view always writes the same body; write it once.
                body = cast("bytes | None", result.memo.get(written))
                if body is None:
                    body = result.memo[written] = json.dumps(convert(result)).encode()
            else:
                body = json.dumps(convert(result)).encode()
            return WireResponse(status=status, headers=headers, body=body)

        return write

    # -- query ------------------------------------------------------------------------

    def _query_reader(self, model: OperationModel) -> Callable[[HttpRequest], Params]:
        shape = model.input_shape
        if shape is None:
            return _no_params
        structure_read = self._query_in.get(shape)

        def read(request: HttpRequest) -> Params:
            _, _, raw_query = request.url.partition("?")
            flat: dict[str, str] = {}
            if raw_query:
                flat.update(parse_qsl(raw_query, keep_blank_values=True))
            if request.body:
                # keep_blank_values: `Description=` and `Tags.member.1.Value=` are values too.
                flat.update(parse_qsl(text_of(request.body), keep_blank_values=True))
            return cast("Params", structure_read(flat, ""))

        return read

    def _xml_writer(
        self, model: OperationModel
    ) -> Callable[[Mapping[str, object], str], WireResponse]:
        shape = model.output_shape
        name = model.name
        open_tag = f'<{name}Response xmlns="{self._xml_namespace}">'
        close_tag = f"</{name}Response>"
        wrapper = shape.serialization.get("resultWrapper") if shape is not None else None
        structure_write = self._xml_out.get(shape) if shape is not None else None

        def write(result: Mapping[str, object], request_id: str) -> WireResponse:
            parts = [open_tag]
            if structure_write is not None:
                if wrapper:
                    parts.append(f"<{wrapper}>")
                structure_write(result, parts)
                if wrapper:
                    parts.append(f"</{wrapper}>")
            parts.append(
                f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
            )
            parts.append(close_tag)
            return WireResponse(
                status=200, headers=self._xml_headers(request_id), body="".join(parts).encode()
            )

        return write

    @staticmethod
    def _xml_headers(request_id: str) -> dict[str, str]:
        return {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}


_PARSED_REQUESTS = 256  # per operation: a test's repeated polls, not every distinct write
_PARSED_BODY_MAX = 16 * 1024  # a larger body is read every time rather than kept as a key


def _parser(read: Callable[[HttpRequest], Params], check: Check) -> Callable[[HttpRequest], Parsed]:
    """Read and check a request, once per distinct request text.

    The parameters are a function of the method, URL and body (no reader reads
    headers: the query protocol sends none, and the rest-json reader refuses an
    operation that takes one), so a poll repeating one request is read once. The
    cache is shared by every fake in the process, so each call gets its own copy
    of the parameters: what an operation keeps, or a test changes, is never shared.
    """

    def parse(request: HttpRequest) -> Parsed:
        try:
            params = read(request)
        except WireFormatError as exc:
            return {}, (str(exc),)
        violations: list[str] = []
        check(params, "", violations)
        return params, tuple(violations)

    @functools.lru_cache(maxsize=_PARSED_REQUESTS)
    def parse_text(method: str, url: str, body: bytes | str | None) -> Parsed:
        return parse(HttpRequest(method=method, url=url, headers={}, body=body))

    def parse_once(request: HttpRequest) -> Parsed:
        body = request.body
        if body is not None and len(body) > _PARSED_BODY_MAX:
            return parse(request)
        params, violations = parse_text(request.method, request.url, body)
        return _copy_params(params), violations

    return parse_once


def _copy_params(params: Params) -> Params:
    """A copy of *params* that shares no dict or list with it (scalars are immutable).

    `copy.deepcopy` would do, at three times the cost, on every call.
    """
    return {name: _copy_value(value) for name, value in params.items()}


def _copy_value(value: object) -> object:
    if isinstance(value, dict):
        return {key: _copy_value(item) for key, item in cast("dict[object, object]", value).items()}
    if isinstance(value, list):
        return [_copy_value(item) for item in cast("list[object]", value)]
    return value


def _no_params(request: HttpRequest) -> Params:
    """Operations without an input shape read nothing from the request."""
    del request
    return {}


def _accept_anything(value: object, path: str, out: list[str]) -> None:
    """Operations without an input shape take no parameters to check."""


def _json_body(body: bytes | str | None, convert: Convert) -> Params:
    if not body:
        return {}
    try:
        decoded = json.loads(body)
    except ValueError as exc:
        raise WireFormatError("the request body is not valid JSON") from exc
    if not isinstance(decoded, dict):
        raise WireFormatError("the request body is not a JSON object")
    return cast("Params", convert(cast("Params", decoded)))


def _read_labels(
    pattern: re.Pattern[str], path: str, labels: Mapping[str, tuple[str, Shape]], params: Params
) -> None:
    match = pattern.fullmatch(path)
    if match is None:
        raise WireFormatError(f"the path {path} does not fit the operation")
    for group, text in match.groupdict().items():
        name, member = labels[group]
        params[name] = scalar_from_text(member, unquote(text))


def _read_query_members(
    raw_query: str, members: list[tuple[str, str, Shape]], params: Params
) -> None:
    values = parse_qs(raw_query, keep_blank_values=True)
    for wire, name, member in members:
        found = values.get(wire)
        if found is None:
            continue
        if isinstance(member, ListShape):
            params[name] = [scalar_from_text(member.member, v) for v in found]
        else:
            params[name] = scalar_from_text(member, found[0])


def _group_name(label: str) -> str:
    return "g_" + re.sub(r"\W", "_", label)


def _uri_pattern(request_uri: str) -> re.Pattern[str]:
    """Compile a model `requestUri` (`/domains/{DomainName}`) into a path regex."""
    path = request_uri.partition("?")[0]
    pieces: list[str] = []
    for literal, label in _split_template(path):
        pieces.append(re.escape(literal))
        if label:
            greedy = label.endswith("+")
            group = _group_name(label.rstrip("+"))
            pieces.append(f"(?P<{group}>.+)" if greedy else f"(?P<{group}>[^/]+)")
    return re.compile("".join(pieces))  # always `fullmatch`ed


def _split_template(path: str) -> Iterator[tuple[str, str]]:
    position = 0
    for match in re.finditer(r"\{([^}]+)\}", path):
        yield path[position : match.start()], match.group(1)
        position = match.end()
    yield path[position:], ""


# --- the services the fake serves -------------------------------------------------------

_SERVICES: Final[Mapping[str, tuple[str, str]]] = {
    # service id: (throttling code, validation code), as each service really answers.
    "customer-profiles": ("ThrottlingException", "BadRequestException"),
    "iam": ("Throttling", "ValidationError"),
    "sts": ("Throttling", "ValidationError"),
}
_codecs: dict[str, ServiceCodec] = {}
_codecs_lock = threading.Lock()


def codec_for(service_id: str) -> ServiceCodec:
    """Return the (process-wide, cached) codec of *service_id* (`"customer-profiles"`, ...).

    Raises:
        UnknownOperationError: If the fake does not serve *service_id*.
    """
    codec = _codecs.get(service_id)
    if codec is None:
        if service_id not in _SERVICES:
            raise UnknownOperationError(f"the fake does not serve {service_id!r}")
        throttling, validation = _SERVICES[service_id]
        with _codecs_lock:
            codec = _codecs.get(service_id)
            if codec is None:
                codec = ServiceCodec(
                    service_id, throttling_code=throttling, validation_code=validation
                )
                _codecs[service_id] = codec
    return codec
