"""Throughput over loopback: a boto3 client against ``slrkit serve`` and against moto's server.

Self-contained and bounded: it starts each server as a subprocess on a free
127.0.0.1 port, makes one boto3 client per path, warms it up, then times
``--calls`` sequential calls ``--repeats`` times (each run also stops after
``--max-seconds``) and prints the median calls per second with the range.
Nothing leaves loopback; dummy credentials only.

Paths:

- ``slrkit serve`` GetDomain (Customer Profiles, rest-json): what no other emulator serves;
- ``slrkit serve`` GetRole (IAM, query/XML) on the domain's service-linked role;
- ``moto server`` GetRole, on a role it was asked to create (skipped if
  ``moto[server]`` is not installed: ``pip install 'moto[server]'``);
- for reference, GetDomain on the fake in-process (``FakeAWS.client``: botocore's
  whole pipeline without a socket), the ceiling for anything botocore drives.

Run: ``python benchmarks/serve_throughput.py [--calls 500] [--repeats 5] [--max-seconds 5]``
(at most about a minute with the defaults, most of it moto's).
"""

# pyright: reportUnknownMemberType=false
# (boto3-stubs type `Session.client` per service, most not installed.)

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from typing import IO, TYPE_CHECKING

import boto3

from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from collections.abc import Callable, Generator

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_iam.client import IAMClient

REGION = "eu-west-2"
ROLE_PATH = "/aws-service-role/profile.amazonaws.com/"
START_TIMEOUT = 30.0


def _session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="AKIASLRKITBENCH00001",
        aws_secret_access_key="bench-secret",  # noqa: S106  # a dummy
        region_name=REGION,
    )


def _env() -> dict[str, str]:
    """The servers' environment, with no AWS settings of this machine."""
    return {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _is_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):  # noqa: S310  # a loopback URL we built
            return True
    except OSError:
        return False


def _wait_until_up(url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not _is_up(url):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {START_TIMEOUT:g} s")
        time.sleep(0.05)


@contextlib.contextmanager
def _process(argv: list[str]) -> Generator[subprocess.Popen[str], None, None]:
    process = subprocess.Popen(  # noqa: S603  # our interpreter, fixed arguments
        argv, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def slrkit_server() -> Generator[str, None, None]:
    """``python -m slrkit serve`` on a free port, time standing still; yields its URL."""
    argv = [sys.executable, "-m", "slrkit", "serve", "--port", "0", "--time-scale", "0"]
    with _process(argv) as process:
        url = _announced_url(process.stdout)
        _wait_until_up(f"{url}/_slrkit/health")
        yield url


def _announced_url(stdout: IO[str] | None) -> str:
    line = stdout.readline() if stdout is not None else ""
    match = re.search(r"http://127\.0\.0\.1:\d+", line)
    if match is None:
        raise RuntimeError(f"slrkit serve did not start: {line!r}")
    return match.group()


@contextlib.contextmanager
def moto_server() -> Generator[str, None, None]:
    """``python -m moto.server`` on a free port; yields its URL."""
    port = _free_port()
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with _process(argv):
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(f"{url}/moto-api/")
        yield url


def measure(
    call: Callable[[], object], *, calls: int, repeats: int, max_seconds: float
) -> list[float]:
    """Calls per second of *repeats* runs of up to *calls* calls, after a warm-up."""
    for _ in range(min(50, calls)):
        call()
    rates: list[float] = []
    for _ in range(repeats):
        done = 0
        start = time.perf_counter()
        deadline = start + max_seconds
        while done < calls and time.perf_counter() < deadline:
            call()
            done += 1
        rates.append(done / (time.perf_counter() - start))
    return rates


def _admin_advance(url: str, seconds: float) -> None:
    request = urllib.request.Request(  # noqa: S310  # a loopback URL we built
        f"{url}/_slrkit/advance",
        data=json.dumps({"seconds": seconds}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310  # same
        pass


def run(args: argparse.Namespace) -> list[tuple[str, list[float]]]:
    """Measure every path; moto's is left out when moto's server is not installed."""
    bounds = {"calls": args.calls, "repeats": args.repeats, "max_seconds": args.max_seconds}
    results: list[tuple[str, list[float]]] = []
    session = _session()

    with slrkit_server() as url:
        cp: CustomerProfilesClient = session.client("customer-profiles", endpoint_url=url)
        iam: IAMClient = session.client("iam", endpoint_url=url)
        cp.create_domain(DomainName="bench", DefaultExpirationDays=30)
        _admin_advance(url, 10)  # the role propagates
        [role] = iam.list_roles(PathPrefix=ROLE_PATH)["Roles"]
        name = role["RoleName"]
        results.append(
            (
                "slrkit serve  GetDomain",
                measure(lambda: cp.get_domain(DomainName="bench"), **bounds),
            )
        )
        results.append(
            ("slrkit serve  GetRole", measure(lambda: iam.get_role(RoleName=name), **bounds))
        )
        cp.close()
        iam.close()

    if importlib.util.find_spec("moto.server") is None or importlib.util.find_spec("flask") is None:
        print("moto server: not installed (pip install 'moto[server]'), skipped", file=sys.stderr)
    else:
        with moto_server() as url:
            moto_iam: IAMClient = session.client("iam", endpoint_url=url)
            moto_iam.create_role(RoleName="bench", AssumeRolePolicyDocument="{}")
            results.append(
                (
                    "moto server   GetRole",
                    measure(lambda: moto_iam.get_role(RoleName="bench"), **bounds),
                )
            )
            moto_iam.close()

    fake = FakeAWS()
    local = fake.client("customer-profiles", REGION)
    local.create_domain(DomainName="bench", DefaultExpirationDays=30)
    results.append(
        (
            "in-process fake GetDomain (reference)",
            measure(lambda: local.get_domain(DomainName="bench"), **bounds),
        )
    )
    return results


def main() -> None:
    """Parse the bounds, run, and print one line per path."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=500, help="calls per run (default 500)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per path (default 5)")
    parser.add_argument(
        "--max-seconds", type=float, default=5.0, help="cap on one run (default 5 s)"
    )
    args = parser.parse_args()
    print(
        f"Python {sys.version.split()[0]}, boto3 {boto3.__version__}, "
        f"{args.calls} sequential calls x {args.repeats} runs, one client, loopback"
    )
    print(f"{'path':40} {'median calls/s':>15} {'min':>8} {'max':>8}")
    for label, rates in run(args):
        print(f"{label:40} {statistics.median(rates):15.0f} {min(rates):8.0f} {max(rates):8.0f}")


if __name__ == "__main__":
    main()
