"""boto3 glue: sessions whose clients talk to a fake through botocore's `before-send` event.

Only the sessions a fake hands out are touched. Nothing is patched globally,
`BUILTIN_HANDLERS` and `boto3.DEFAULT_SESSION` stay as they are, and the whole
botocore pipeline runs: parameter validation, serialization, signing with dummy
credentials, parsing (with botocore's timestamp answers remembered: `read_timestamp`),
modeled exceptions and retries.

The sessions are sealed from the machine: botocore looks each setting up in the
session, then the environment (``AWS_PROFILE``, ``AWS_DEFAULT_REGION``,
``AWS_ENDPOINT_URL_*``, ``AWS_MAX_ATTEMPTS``...), then the profile in the config
file. A fake session's config store has the first and botocore's defaults only,
no config or credentials file, and ignores configured endpoint URLs; its
credentials are explicit dummies. So a CI runner's settings change nothing.

botocore's retry handler returns a delay that `Endpoint._needs_retry` then
sleeps for real. Each client a fake session makes gets that handler replaced by
botocore's own (same mode, same max attempts) wrapped so that the delay is spent
on the virtual clock and the real sleep is zero.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import boto3
import botocore.parsers
import botocore.session
from botocore import retryhandler, translate
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import get_tzinfo_options
from botocore.config import Config
from botocore.configprovider import (
    BOTOCORE_DEFAUT_SESSION_VARIABLES,
    DEFAULT_PROXIES_CONFIG_VARS,
    DEFAULT_S3_CONFIG_VARS,
    BaseProvider,
    ConfigChainFactory,
    ConfigValueStore,
    SectionConfigProvider,
)
from botocore.exceptions import (
    CapacityNotAvailableError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.retries import adaptive, bucket, standard, throttling
from botocore.utils import parse_timestamp

from slrkit._fake._engine import ConnectionFault, Engine
from slrkit._fake._events import builtin_events, share_aliases
from slrkit._fake._loader import shared_loader
from slrkit._fake._sigv4 import signed_region
from slrkit._fake._wire import Headers, HttpRequest, text_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from botocore.client import BaseClient
    from botocore.compat import HTTPHeaders

    _Parser = Callable[[object], object]

__all__ = ["SEND_HANDLER_ID", "FakeSession", "read_timestamp"]

SEND_HANDLER_ID = "slrkit-fake-send"
"""The `unique_id` of the fake's `before-send` handler on its sessions and clients."""

# Where a sealed session's setting differs from botocore's default: no files to read,
# and endpoint URLs configured for the machine's real AWS are not the fake's.
_SEALED_DEFAULTS: dict[str, object] = {
    "config_file": None,
    "credentials_file": None,
    "ignore_configured_endpoint_urls": True,
}

_BOTO3_DATA = str(Path(boto3.__file__).parent / "data")
"""boto3's resource models, which boto3 puts on its sessions' search path."""
_SEARCH_PATH_LOCK = threading.Lock()

_ACCESS_KEY = "AKIASLRKITFAKE000000"
_SECRET_KEY = "slrkit-fake-secret-key-not-a-credential"  # noqa: S105  # a dummy, by design


class _Body:
    """The `raw` of an `AWSResponse`: all botocore asks of it is `stream()`."""

    __slots__ = ("_body",)

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs: object) -> list[bytes]:
        del kwargs
        return [self._body]


class FakeSession(boto3.Session):
    """A boto3 session whose clients (and resources) talk to one fake.

    Args:
        engine: The fake's engine.
        account_id: The account every call of this session belongs to.
        region_name: The session's default region.
        retry_mode: botocore's retry mode for clients that do not choose one.
    """

    def __init__(
        self, engine: Engine, *, account_id: str, region_name: str, retry_mode: str
    ) -> None:
        core = _sealed_session()
        core.register_component("data_loader", shared_loader())
        core.set_config_variable("retry_mode", retry_mode)
        super().__init__(
            aws_access_key_id=_ACCESS_KEY,
            aws_secret_access_key=_SECRET_KEY,
            region_name=region_name,
            botocore_session=core,
        )
        self._engine = engine
        self.slrkit_clock = engine.clock
        """The fake's virtual clock, which `slrkit._clock.clock_of` finds."""
        self._account_id = account_id
        self._default_region = region_name
        events = core.get_component("event_emitter")
        events.register_first("before-send", self._send, unique_id=SEND_HANDLER_ID)
        parsers = core.get_component("response_parser_factory")
        parsers.set_parser_defaults(timestamp_parser=read_timestamp)

    def _setup_loader(self) -> None:
        """As boto3's own, but its data folder joins the loader's search path only once.

        boto3 appends the folder at every session, and every fake session shares one
        loader (`shared_loader`), whose search path would grow with each of them.
        """
        loader = self._session.get_component("data_loader")
        with _SEARCH_PATH_LOCK:
            if _BOTO3_DATA not in loader.search_paths:
                loader.search_paths.append(_BOTO3_DATA)
        self._loader = loader

    def client(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401  # boto3's own signature
        """Create a client as boto3 does, with its retry delays moved to virtual time."""
        config = kwargs.get("config")
        requested = _retries(config).get("mode") if isinstance(config, Config) else None
        mode = requested or self._session.get_config_variable("retry_mode")
        if mode == "adaptive":
            # The adaptive rate limiter hooks in at creation with a real clock; build the
            # client in standard mode and add the limiter ourselves, on virtual time.
            standard_mode = Config(retries={"mode": "standard"})
            kwargs["config"] = config.merge(standard_mode) if config else standard_mode
        # boto3-stubs' overloads cover every service; this override is for all of them.
        client = cast("BaseClient", super().client(*args, **kwargs))  # pyright: ignore[reportUnknownMemberType]
        _route_retry_delays(client, self._engine.record_sleep)
        if mode == "adaptive":
            _add_adaptive_limiter(client, self._engine)
        return client

    def _send(self, request: AWSPreparedRequest, event_name: str, **kwargs: object) -> AWSResponse:
        del kwargs
        _, service_id, operation = event_name.split(".", 2)
        authorization = request.headers.get("Authorization")
        region = self._default_region
        if authorization is not None:
            # The region comes from the SigV4 credential scope, as a real endpoint sees it.
            region = signed_region(text_of(cast("str | bytes", authorization))) or region
        try:
            response = self._engine.handle(
                service_id,
                operation,
                HttpRequest(
                    method=request.method,
                    url=request.url,
                    headers=cast("Headers", request.headers),
                    body=_body(request.body),
                ),
                account_id=self._account_id,
                region=region,
            )
        except ConnectionFault as fault:
            # botocore retries these (HTTPClientError subclasses) like real network failures.
            if fault.kind == "read-timeout":
                raise ReadTimeoutError(endpoint_url=request.url) from None
            raise EndpointConnectionError(endpoint_url=request.url) from None
        # AWSResponse wraps any mapping in its own HeadersDict; the stubs ask for more.
        headers = cast("HTTPHeaders", response.headers)
        return AWSResponse(request.url, response.status, headers, _Body(response.body))


def _sealed_session() -> botocore.session.Session:
    """A botocore session that reads no setting from the environment or the AWS files."""
    events = copy.copy(builtin_events())
    core = botocore.session.Session(event_hooks=events, include_builtin_handlers=False)
    share_aliases(core, events)
    chains = ConfigChainFactory(session=core, environ={})

    def settings(variables: dict[str, tuple[Any, Any, Any, Any]]) -> dict[str, BaseProvider]:
        return {
            name: chains.create_config_chain(
                instance_name=name,
                default=_SEALED_DEFAULTS.get(name, default),
                conversion_func=convert,
            )
            for name, (_, _, default, convert) in variables.items()
        }

    mapping = settings(BOTOCORE_DEFAUT_SESSION_VARIABLES)
    for section, variables in (
        ("s3", DEFAULT_S3_CONFIG_VARS),
        ("proxies_config", DEFAULT_PROXIES_CONFIG_VARS),
    ):
        mapping[section] = SectionConfigProvider(section, core, settings(variables))
    core.register_component("config_store", ConfigValueStore(mapping=mapping))
    return core


def read_timestamp(value: object) -> object:
    """Read a timestamp as botocore's default parser does, remembering dateutil's answers.

    This is the timestamp parser of the fake's clients. botocore reads every timestamp
    string of a response with dateutil, which takes longer than the rest of a fake call
    listing a few roles, and a fake's clients read the same few again and again (each
    poll lists the same roles). So a string's datetime is remembered, by the string and
    the machine's time zone names and offsets (dateutil gives a "Z" time the local zone
    when that zone is UTC), and each read still returns a new datetime, with a new local
    zone where dateutil would make one. Epoch numbers, whose wall time depends on the
    zone's rules, are read anew each time, as is anything while freezegun's datetime is
    in place, or after a default parser was put in botocore's place
    (``botocore.parsers.DEFAULT_TIMESTAMP_PARSER``). A patch of dateutil itself goes
    unseen for a string read before.
    """
    default = cast("_Parser", botocore.parsers.DEFAULT_TIMESTAMP_PARSER)
    if default is not _BOTOCORE_PARSER or type(value) is not str or _is_number(value):
        return default(value)
    parsed = _remembered(value, time.tzname, time.timezone, time.altzone)
    if type(parsed) is not dt.datetime:  # made, or to be read, under freezegun
        return default(value)
    zone = type(parsed.tzinfo)
    return parsed.replace(tzinfo=zone()) if zone in _LOCAL_ZONES else parsed.replace()


def _is_number(text: str) -> bool:
    """Whether botocore reads *text* as an epoch (it tries `float` first)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


_BOTOCORE_PARSER = cast("_Parser", parse_timestamp)
"""botocore's default, which reads epoch numbers too (its stubs say strings only)."""
_LOCAL_ZONES: tuple[type[dt.tzinfo], ...] = tuple(get_tzinfo_options())
"""The local zones botocore's parser makes anew for each timestamp (dateutil's)."""


@functools.lru_cache(maxsize=4096)
def _remembered(text: str, *zone: object) -> dt.datetime:
    del zone  # the key: the answer for *text* in that time zone
    return parse_timestamp(text)


def _retries(config: Config) -> dict[str, Any]:
    """A config's `retries` setting (absent from botocore's stubs, always there at run time)."""
    retries: dict[str, Any] | None = getattr(config, "retries", None)
    return retries or {}


def _body(body: object) -> bytes | str | None:
    """The request body as the codecs read it; the fake's operations never stream."""
    if body is None or isinstance(body, (bytes, str)):
        return body
    if isinstance(body, bytearray):
        return bytes(body)
    raise TypeError(f"the fake cannot read a streaming request body ({type(body).__name__})")


def _route_retry_delays(client: BaseClient, sleep: Callable[[float], None]) -> None:
    """Replace *client*'s retry handler with botocore's own, sleeping on virtual time."""
    events = client.meta.events
    service_id = client.meta.service_model.service_id.hyphenize()
    event = f"needs-retry.{service_id}"
    unique_id = f"retry-config-{service_id}"
    retries = _retries(client.meta.config)
    events.unregister(event, unique_id=unique_id)
    inner: Callable[..., object]
    if retries.get("mode") == "legacy":
        inner = _legacy_handler(client, retries)
    else:
        # botocore's factory builds the handler exactly as it did for this client
        # (and registers it again, which the next line undoes).
        built = standard.register_retry_handler(client, retries.get("total_max_attempts"))
        events.unregister(event, unique_id=unique_id)
        inner = built.needs_retry

    def needs_retry(**kwargs: object) -> object:
        delay = inner(**kwargs)
        if isinstance(delay, (int, float)) and not isinstance(delay, bool) and delay > 0:
            sleep(float(delay))
            return 0
        return delay

    # botocore's stubs type handlers as returning None; needs-retry handlers return delays.
    events.register(event, cast("Callable[..., None]", needs_retry), unique_id=unique_id)


def _legacy_handler(client: BaseClient, retries: dict[str, Any]) -> Callable[..., object]:
    endpoint_prefix = client.meta.service_model.endpoint_prefix
    data = shared_loader().load_data("_retry")
    overrides = dict(retries)
    if "total_max_attempts" in overrides:
        overrides["max_attempts"] = overrides.pop("total_max_attempts") - 1
    config = translate.build_retry_config(
        endpoint_prefix, data.get("retry", {}), data.get("definitions", {}), overrides
    )
    handler: Callable[..., object] = retryhandler.create_retry_handler(config, endpoint_prefix)
    return handler


_MIN_WAIT = 1e-6


class _VirtualBucketClock(bucket.Clock):
    """The clock botocore's adaptive rate limiter waits on, made virtual."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine

    def sleep(self, amount: float) -> None:
        self._engine.record_sleep(amount)

    def current_time(self) -> float:
        return self._engine.clock.monotonic()


class _VirtualTokenBucket(bucket.TokenBucket):
    """botocore's token bucket, waiting on virtual time (its own wait is a real Condition.wait)."""

    def __init__(self, clock: _VirtualBucketClock) -> None:
        super().__init__(max_rate=1, clock=clock)
        self._virtual_clock = clock

    def acquire(self, amount: int = 1, block: bool = True) -> bool:  # botocore's signature
        while True:
            try:
                return bool(super().acquire(amount, block=False))
            except CapacityNotAvailableError:  # noqa: PERF203  # the refusal is the signal to wait
                if not block:
                    raise
                # At least a microsecond: a shorter wait can vanish in the float of a
                # large virtual time, and the bucket would never refill (an endless loop).
                deficit = (amount - self.available_capacity) / self.max_rate
                self._virtual_clock.sleep(max(deficit, _MIN_WAIT))


def _add_adaptive_limiter(client: BaseClient, engine: Engine) -> None:
    """Register botocore's adaptive client-side rate limiter, running on virtual time."""
    clock = _VirtualBucketClock(engine)
    limiter = adaptive.ClientRateLimiter(
        rate_adjustor=throttling.CubicCalculator(
            starting_max_rate=0, start_time=clock.current_time()
        ),
        rate_clocker=adaptive.RateClocker(clock),
        token_bucket=_VirtualTokenBucket(clock),
        throttling_detector=standard.ThrottlingErrorDetector(
            retry_event_adapter=standard.RetryEventAdapter()
        ),
        clock=clock,
    )
    client.meta.events.register("before-send", limiter.on_sending_request)
    client.meta.events.register("needs-retry", limiter.on_receiving_response)
