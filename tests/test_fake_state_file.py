"""The fake's state file: one owner at a time, read bounded, checked, and written whole.

`FakeAWS.open` is the one way the command line (``--fake --fake-state``), ``slrkit
serve --state`` and the Pulumi provider keep a fake in a file; these tests hold it
to what it promises, from Python, through the command line, and across processes.
"""

from __future__ import annotations

import copy
import fcntl
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from typing import TYPE_CHECKING, Any

import pytest

from hostile_aws_env import without_aws_settings
from slrkit._cli import main
from slrkit._fake import _state_file
from slrkit.testing import FakeAWS, StateFileBusyError, StateFileError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

REGION = "eu-west-2"


def clean_env() -> dict[str, str]:
    return without_aws_settings(os.environ)


def a_fake_with_a_domain() -> FakeAWS:
    fake = FakeAWS()
    fake.client("customer-profiles", REGION).create_domain(
        DomainName="acme", DefaultExpirationDays=3, Tags={"team": "cx"}
    )
    fake.advance(30)
    return fake


# -- one owner at a time ---------------------------------------------------------------------

# Each process runs the command line in a loop on one state file, a read-modify-write
# each time; it prints its exit codes. Written against `main` only, so that it ran on
# the code before `FakeAWS.open` as well (see the CHANGELOG for the figures).
WRITER = textwrap.dedent(
    """
    import contextlib, io, sys
    from slrkit._cli import main
    path, me, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    codes = []
    for i in range(count):
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(sys.stderr):
            codes.append(main(["--fake", "--fake-state", path, "-q", "ensure", f"{me}-{i}",
                               "--region", "eu-west-2", "--expiration-days", "1"]))
    print(",".join(map(str, codes)))
    """
)


def test_two_processes_on_one_state_file_lose_no_update(tmp_path: Path) -> None:
    """Two processes each creating domains through the command line on one --fake-state file
    end with every domain, all commands exit 0, and every read in between parses."""
    path = tmp_path / "state.json"
    per_process = 5
    writers = [
        subprocess.Popen(  # noqa: S603  # our interpreter, fixed arguments
            [sys.executable, "-c", WRITER, str(path), name, str(per_process)],
            env=clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    reads = 0
    while any(writer.poll() is None for writer in writers):
        if path.exists():
            FakeAWS.load(path)  # raises on a torn or half-written file
            reads += 1
        time.sleep(0.02)
    outputs = [writer.communicate(timeout=60) for writer in writers]
    for writer, (out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err
        assert out.strip() == ",".join(["0"] * per_process), err
    expected = sorted(f"{name}-{i}" for name in "ab" for i in range(per_process))
    assert list(FakeAWS.load(path).domains(REGION)) == expected
    assert reads > 0


# Saves a large fake over and over, with `FakeAWS.save` alone, which has existed from
# the start: the same script measured the code before atomic saves.
SAVER = textwrap.dedent(
    """
    import sys
    from slrkit.testing import FakeAWS
    fake = FakeAWS.load(sys.argv[1])
    print("ready", flush=True)
    while True:
        fake.save(sys.argv[1])
    """
)


def test_sigkill_during_a_save_never_leaves_a_torn_file(tmp_path: Path) -> None:
    """Processes killed with SIGKILL while they save a large fake over and over leave a file
    that loads every time, with all its roles."""
    fake = FakeAWS()
    for n in range(600):
        fake.add_role(f"role-{n:04}", policies=["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    paths = [tmp_path / f"state-{n}.json" for n in range(3)]
    for path in paths:
        fake.save(path)
    savers = [
        subprocess.Popen(  # noqa: S603  # our interpreter, fixed arguments
            [sys.executable, "-c", SAVER, str(path)],
            env=clean_env(),
            stdout=subprocess.PIPE,
            text=True,
        )
        for path in paths
    ]
    try:
        for n, saver in enumerate(savers):
            assert saver.stdout is not None
            assert saver.stdout.readline() == "ready\n"
            time.sleep(0.02 + 0.017 * n)  # land at different points of a save
            saver.send_signal(signal.SIGKILL)
            saver.wait(timeout=30)
    finally:
        for saver in savers:
            if saver.poll() is None:
                saver.kill()
            saver.communicate()
    for path in paths:
        assert len(FakeAWS.load(path).roles()) == 600


def test_open_waits_for_another_holder_then_names_the_file(tmp_path: Path) -> None:
    """While another process holds the lock, open waits its timeout, then raises
    StateFileBusyError naming the file and the holder's pid; nothing is written."""
    path = tmp_path / "state.json"
    FakeAWS().save(path)
    before = path.read_bytes()
    holder = os.open(tmp_path / "state.json.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        os.write(holder, b"4242\n")
        started = time.monotonic()
        with pytest.raises(StateFileBusyError) as raised, FakeAWS.open(path, timeout=0.2):
            pytest.fail("opened a file another process holds")
        waited = time.monotonic() - started
    finally:
        os.close(holder)
    assert 0.2 <= waited < 5
    assert str(path) in str(raised.value)
    assert "process 4242" in str(raised.value)
    assert path.read_bytes() == before


def test_a_busy_state_file_fails_the_command_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command line waits for a held --fake-state file, then exits 1 (a rerun is safe)
    with one line naming the file, not "unexpected"."""
    monkeypatch.setattr(_state_file, "DEFAULT_TIMEOUT", 0.1)
    path = tmp_path / "state.json"
    holder = os.open(tmp_path / "state.json.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        code = main(["--fake", "--fake-state", str(path), "role", "acme", "--region", REGION])
    finally:
        os.close(holder)
    err = capsys.readouterr().err
    assert code == 1
    assert f"{path} is in use by another process" in err
    assert "unexpected" not in err
    assert not path.exists()


def test_threads_take_turns_on_one_file(tmp_path: Path) -> None:
    """Threads of one process opening the same file run one at a time and lose nothing."""
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    path = tmp_path / "state.json"

    def add(n: int) -> None:
        with FakeAWS.open(path) as fake:
            fake.add_role(f"role-{n}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(add, range(16)))
    assert len(FakeAWS.load(path).roles()) == 16


# -- checked before any work ---------------------------------------------------------------


def test_open_loads_or_starts_and_saves_on_exit_even_after_an_error(tmp_path: Path) -> None:
    """open starts from *default* when there is no file, and saves what happened even when
    the block raises: the fake's changes happened, as they would on AWS."""
    path = tmp_path / "state.json"
    with FakeAWS.open(path, default=FakeAWS("210987654321")) as fake:
        fake.add_role("first")

    def fail_half_way() -> None:
        with FakeAWS.open(path) as fake:
            assert fake.account_id == "210987654321"
            fake.add_role("second")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_half_way()
    assert FakeAWS.load(path).roles() == ("first", "second")


@pytest.mark.parametrize(
    ("where", "problem"),
    [
        ("missing/state.json", "No such file or directory"),
        ("a-file/state.json", "Not a directory"),
        (".", "is not a regular file"),
    ],
    ids=["missing folder", "folder is a file", "a folder"],
)
def test_a_destination_that_cannot_be_written_fails_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, problem: str
) -> None:
    """open refuses a place it could never save to at once, and the command line exits 2
    naming it, before any call."""
    (tmp_path / "a-file").write_text("")
    path = tmp_path / where
    with pytest.raises(StateFileError, match=problem), FakeAWS.open(path):
        pytest.fail("opened a state file that cannot be saved")
    fake = FakeAWS()
    argv = ["--fake", "--fake-state", str(path), "ensure", "acme", "--region", REGION]
    assert main([*argv, "--expiration-days", "1"]) == 2
    err = capsys.readouterr().err
    assert problem in err
    assert "pass another --fake-state file" in err
    assert fake.calls == ()


def test_serve_refuses_a_state_file_it_could_not_save_at_start(tmp_path: Path) -> None:
    """``slrkit serve --state`` into a missing folder exits 2 at start, instead of serving
    a session it would lose at the end."""
    state = tmp_path / "missing" / "state.json"
    done = subprocess.run(  # noqa: S603  # our interpreter, fixed arguments
        [sys.executable, "-m", "slrkit", "serve", "--port", "0", "--state", str(state)],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert f"cannot keep a fake's state in {state}" in done.stderr
    assert done.stdout == ""


# -- read bounded and checked ----------------------------------------------------------------


def test_files_that_are_not_regular_or_too_large_are_refused_unread(tmp_path: Path) -> None:
    """A FIFO, a device and a file past 64 MiB are refused without reading them whole
    (a FIFO would block, /dev/full would never end)."""
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.json"
    with huge.open("wb") as file:
        file.truncate(_state_file.MAX_BYTES + 1)  # sparse: costs no disk
    cases: list[tuple[str | Path, str]] = [
        (fifo, "is not a regular file"),
        (huge, "is larger than 64 MiB"),
    ]
    if os.path.exists("/dev/full"):  # noqa: PTH110
        cases.append(("/dev/full", "is not a regular file"))
    for path, problem in cases:
        with pytest.raises(StateFileError, match=problem):
            FakeAWS.load(path)
        with pytest.raises(StateFileError, match=problem), FakeAWS.open(path):
            pytest.fail("opened a file that is not a state file")


def test_fake_state_dev_full_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """``--fake-state /dev/full`` exits 2 at once instead of reading without end."""
    if not os.path.exists("/dev/full"):  # noqa: PTH110
        pytest.skip("no /dev/full here")
    assert main(["--fake", "--fake-state", "/dev/full", "role", "a", "--region", REGION]) == 2
    assert "/dev/full is not a regular file" in capsys.readouterr().err


def _set(path: tuple[object, ...], value: object) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        target: Any = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


ACCOUNT = ("state", "accounts", "123456789012")
DOMAIN = (*ACCOUNT, "domains", 0)
ROLE = (*ACCOUNT, "roles", 0)

MALFORMED = [
    (_set(("state", "accounts"), []), "state.accounts is []: must be a JSON object"),
    (_set(("state",), []), "state is []: must be a JSON object"),
    (
        _set(("state", "events"), [{"due": "x", "seq": 1, "kind": "cleanup",
                                    "account_id": "123456789012", "key": "k"}]),
        "state.events[0].due is 'x': must be a finite number >= 0",
    ),
    (_set((*ROLE, "visible_at"), "x"), ".roles[0].visible_at is 'x'"),
    (_set(("account_id",), 123456789012), "account_id is 123456789012: must be a string"),
    (_set(("account_id",), "١٢٣٤٥٦٧٨٩٠١٢"), "must be a string of 12 digits 0-9"),
    (_set((*DOMAIN, "expiration_days"), "x"), ".domains[0].expiration_days is 'x'"),
    (_set((*DOMAIN, "expiration_days"), 5000), "breaks the Customer Profiles model"),
    (_set((*DOMAIN, "tags"), []), ".domains[0].tags is []: must be a JSON object of strings"),
    (_set((*DOMAIN, "created_at"), 5), ".domains[0].created_at is 5: must be a string"),
    (_set((*DOMAIN, "region"), "eu west"), ".domains[0].region is 'eu west'"),
    (_set(("state", "elapsed"), 1e300), "virtual time may not pass 9999-12-31"),
    (_set(("state", "rng"), [3, [1, 2], None]), "the state of Python's random generator"),
    (_set(("start",), "2025-01-01T00:00:00"), "must be a timezone-aware datetime"),
    (_set(("behaviour", "propagation_delay"), -1), "propagation_delay is -1"),
    (_set(("behaviour",), []), "behaviour is []: must be a JSON object"),
    (_set((*ROLE, "trust_policy"), "{"), "must be a JSON policy document"),
    (_set((*ACCOUNT, "tasks"), [{"task_id": "t"}]), ".tasks[0] has no 'role_name'"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "problem"), MALFORMED)
def test_every_malformed_state_file_says_what_is_wrong(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[dict[str, Any]], None],
    problem: str,
) -> None:
    """A state file with any value out of its type or rule raises StateFileError naming the
    file, the place and the rule; the command line exits 2 with that line, never with
    "unexpected ... please report it", and leaves the file as it was."""
    document = json.loads(_good_document())
    change(document)
    path = tmp_path / "state.json"
    path.write_text(json.dumps(document))
    with pytest.raises(StateFileError) as raised:
        FakeAWS.load(path)
    assert str(raised.value).startswith(f"{path} is malformed: ")
    assert problem in str(raised.value)
    code = main(["--fake", "--fake-state", str(path), "role", "acme", "--region", REGION])
    err = capsys.readouterr().err
    assert code == 2, err
    assert problem in err
    assert "unexpected" not in err
    assert json.loads(path.read_text()) == document


def _good_document() -> str:
    fake = a_fake_with_a_domain()
    fake.client("iam").delete_service_linked_role(RoleName=fake.linked_roles()[0])
    return _state_file_bytes(fake).decode()


def _state_file_bytes(fake: FakeAWS) -> bytes:
    from slrkit._fake import _persist  # noqa: PLC0415

    return _persist.encode(fake._backend)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"not json", "is not JSON"),
        (b"\xff\xfe", "is not JSON"),
        (b'{"format": "other"}', "is not a slrkit fake state file"),
        (b"[]", "is not a slrkit fake state file"),
        (b'{"format": "slrkit.testing/fake-state", "version": 99}', "state version 99"),
        (b'{"format": "slrkit.testing/fake-state", "version": 2}', "has no 'account_id'"),
        (b'{"format": "slrkit.testing/fake-state", "version": 2, "x": NaN}', "NaN"),
    ],
)
def test_foreign_files_are_refused(tmp_path: Path, content: bytes, problem: str) -> None:
    """Files that are not this version's state raise StateFileError naming the problem."""
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with pytest.raises(StateFileError, match=problem):
        FakeAWS.load(path)


def test_a_good_file_survives_the_checks(tmp_path: Path) -> None:
    """Everything save writes (domains, roles, tasks, events) loads back the same."""
    document = _good_document()
    path = tmp_path / "state.json"
    path.write_text(document)
    assert _state_file_bytes(FakeAWS.load(path)).decode() == document
    assert copy.deepcopy(json.loads(document))["state"]["events"]


# -- written whole -------------------------------------------------------------------------


def test_a_failed_save_keeps_the_old_file_and_its_permissions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A save that fails half way leaves the previous file as it was and no temporary
    file; a save that succeeds keeps the file's permissions."""
    path = tmp_path / "state.json"
    FakeAWS().save(path)
    path.chmod(0o640)
    before = path.read_bytes()

    def full_disk(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(os, "fsync", full_disk)
        with pytest.raises(OSError, match="No space left"):
            a_fake_with_a_domain().save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]
    a_fake_with_a_domain().save(path)
    assert path.stat().st_mode & 0o777 == 0o640
    assert FakeAWS.load(path).domains(REGION) == ("acme",)
