"""``slrkit serve``: the offline fake as a local AWS endpoint, until SIGINT or SIGTERM.

The server itself is `slrkit.testing.FakeServer`; this module reads the command
line, opens the state file (`FakeAWS.open`: locked for the server's whole life,
saved on the way out), waits for a signal and says where to point clients. It
imports the fake only when run, so ``slrkit --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import math
import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Final

from slrkit._cli.core import Command, Context, UsageError
from slrkit._cli.failure import CommandError, ErrorCode
from slrkit._validate import validate_account_id
from slrkit.exceptions import InvalidInputError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Generator

    from slrkit._cli.output import Output
    from slrkit.testing import FakeAWS, FakeServer

__all__ = ["DEFAULT_PORT", "SERVE"]

DEFAULT_PORT: Final = 4599


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to listen on (default: %(default)s); any address other than "
        "loopback needs --allow-remote",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        metavar="N",
        help="the port (default: %(default)s); 0 picks a free one, shown at start",
    )
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="start from the fake saved in FILE, if it exists, and save the fake there "
        "on SIGINT or SIGTERM (the format of 'slrkit --fake-state'); FILE is locked while "
        "serving, so other commands on it wait",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        metavar="X",
        help="virtual seconds per real second for the fake's delays (role propagation, "
        "role cleanup, deletion tasks): 1 is real time (default), 60 makes a real second "
        "a virtual minute, 0 moves time only through POST /_slrkit/advance",
    )
    parser.add_argument(
        "--account-id",
        metavar="ID",
        help="the account of every access key that is not itself 12 digits "
        "(default: 123456789012, or the state file's); a 12-digit access key id "
        "is its own account",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other than loopback, such as 0.0.0.0: anyone who reaches "
        "the port can then read and change the fake, with any credentials",
    )


def _run(ctx: Context, args: argparse.Namespace) -> None:
    from slrkit._fake._server import MAX_TIME_SCALE, is_loopback  # noqa: PLC0415  # only serve pays
    from slrkit.testing import FakeServer  # noqa: PLC0415

    _check(args, max_time_scale=MAX_TIME_SCALE)

    remote = not is_loopback(args.host)
    if remote and not args.allow_remote:
        raise UsageError(
            f"--host {args.host} is not a loopback address; the fake takes any credentials, "
            "so serving it to other machines needs --allow-remote"
        )
    state = Path(args.state) if args.state is not None else None
    with _fake(state, args.account_id) as fake:
        try:
            server = FakeServer(
                fake,
                host=args.host,
                port=args.port,
                time_scale=args.time_scale,
                allow_remote=args.allow_remote,
            )
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise CommandError(
                ErrorCode.CONFIGURATION,
                f"port {args.port} on {args.host} is in use; stop what listens there, or "
                "pass --port N (--port 0 picks a free one)",
            ) from exc
        stop = threading.Event()
        try:
            with _until_signalled(stop):
                server.start()
                if remote:
                    ctx.out.progress(
                        f"slrkit: warning: serving on {args.host}: anyone who can reach port "
                        f"{server.port} can read and change the fake, with any credentials"
                    )
                _announce(ctx.out, server, state)
                stop.wait()
        finally:
            server.stop()
    ctx.out.progress(
        "slrkit: stopped" + (f"; the fake is saved in {state}" if state is not None else "")
    )


def _check(args: argparse.Namespace, *, max_time_scale: float) -> None:
    if not (math.isfinite(args.time_scale) and 0 <= args.time_scale <= max_time_scale):
        raise UsageError(
            f"--time-scale must be a number from 0 to {max_time_scale:.0f}, got {args.time_scale}"
        )
    if not 0 <= args.port <= 65535:  # noqa: PLR2004  # the TCP port range
        raise UsageError(f"--port must be between 0 and 65535, got {args.port}")
    if args.account_id is not None:
        try:
            validate_account_id(args.account_id, "--account-id")
        except InvalidInputError as exc:
            raise UsageError(
                f"--account-id must be 12 digits 0-9, got {args.account_id!r}"
            ) from exc


@contextlib.contextmanager
def _fake(state: Path | None, account_id: str | None) -> Generator[FakeAWS, None, None]:
    """The fake to serve: the state file's (held, then saved), or a new one whose clock starts now.

    Raises:
        UsageError: The state file cannot be used (unreadable, or nowhere to save it),
            found before anything is bound.
    """
    from slrkit.testing import FakeAWS, StateFileError  # noqa: PLC0415  # only serve pays

    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    fresh = FakeAWS(account_id, start=now) if account_id else FakeAWS(start=now)
    if state is None:
        yield fresh
        return
    with contextlib.ExitStack() as stack:
        try:
            fake = stack.enter_context(FakeAWS.open(state, default=fresh))
        except StateFileError as exc:
            raise UsageError(f"{exc}; pass another --state file, or delete this one") from exc
        if account_id is not None:
            fake.account_id = account_id
        yield fake


@contextlib.contextmanager
def _until_signalled(stop: threading.Event) -> Generator[None, None, None]:
    """Set *stop* on SIGINT or SIGTERM (in the main thread); restore the handlers after."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach only the main thread; whoever runs this elsewhere sets *stop*
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda _signum, _frame: stop.set())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _announce(out: Output, server: FakeServer, state: Path | None) -> None:
    """Say where the fake is and how to point clients at it (stdout: it is the result)."""
    url = server.endpoint_url
    fake = server.fake
    document: dict[str, object] = {
        "endpoint_url": url,
        "port": server.port,
        "pid": os.getpid(),
        "account_id": fake.account_id,
        "time_scale": server.time.scale,
        "now": fake.clock.now(),
        "state": str(state) if state is not None else None,
    }
    pace = "time stands still" if not server.time.scale else f"{server.time.scale:g}x real time"
    kept = state if state is not None else "not kept"
    lines = [
        f"slrkit serve: the fake AWS (customer-profiles, iam, sts) at {url}",
        (
            f"  account {fake.account_id}; virtual time {fake.clock.now():%Y-%m-%d %H:%M:%S} "
            f"UTC, {pace}; state {kept}"
        ),
        "Point any client at it, with any credentials (signatures are not checked):",
        f"  export AWS_ENDPOINT_URL_CUSTOMER_PROFILES={url}",
        f"  export AWS_ENDPOINT_URL_IAM={url}",
        f"  export AWS_ENDPOINT_URL_STS={url}",
        "  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test",
        # AWS CLI v1 reads only AWS_DEFAULT_REGION; v2 and the SDKs read AWS_REGION first.
        "  export AWS_DEFAULT_REGION=eu-west-2 AWS_REGION=eu-west-2",
        f"Admin endpoints: {url}/_slrkit/health, /state, /calls, POST /advance, /fail ...",
        "Stop with Ctrl-C or SIGTERM.",
    ]
    out.result(document, lines)
    out.publish()


SERVE: Final = Command(
    name="serve",
    help="serve the offline fake as a local AWS endpoint (AWS CLI, Terraform, SDKs)",
    description="Serve slrkit's fake of Customer Profiles, IAM and STS over HTTP, so that the "
    "AWS CLI, Terraform, Pulumi or any SDK can use it: pass --endpoint-url, or set "
    "AWS_ENDPOINT_URL_CUSTOMER_PROFILES, AWS_ENDPOINT_URL_IAM and AWS_ENDPOINT_URL_STS. "
    "It is a test server: it accepts any credentials and never checks a signature, and "
    "an access key id of 12 digits is taken as the account id. It listens on loopback "
    "only unless --allow-remote. Admin endpoints under /_slrkit/ (health, state, calls, "
    "advance, reset, fail, fail-connection, set-latency, rate-limit, clear-faults, "
    "load-data, clear-data) steer the fake, as JSON. It runs until SIGINT (Ctrl-C) or "
    "SIGTERM, then saves the fake to --state FILE if one is given.",
    arguments=_arguments,
    run=_run,
    uses_aws=False,
)
