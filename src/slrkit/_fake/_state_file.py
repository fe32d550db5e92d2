"""The file a fake is kept in between processes: one owner at a time, read bounded, written whole.

- **Locked.** `locked` holds an exclusive lock on ``<file>.lock`` beside the file
  (``flock``; the lock file stays, empty but for the holder's process id) for a
  whole read-modify-write, so that two processes never lose each other's
  updates. A second one waits, up to a timeout, then fails naming the file and
  the holder. Threads of one process queue on a lock of their own first. On
  Windows, which lacks ``fcntl``, only the threads of one process exclude each
  other: keep one process per file there.
- **Checked first.** Taking the lock creates the lock file, so a folder that is
  missing or not writable fails then, before any work, and so does a path that
  is not a regular file (``/dev/full``, a folder).
- **Read bounded.** `read` refuses anything that is not a regular file, and any
  file larger than `MAX_BYTES`.
- **Written whole.** `write` writes a temporary file in the same folder, flushes
  it to disk and renames it over the file (`os.replace`, atomic), so a kill at
  any moment leaves the old file or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Callable, Generator

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_BYTES",
    "StateFileBusyError",
    "StateFileError",
    "locked",
    "read",
    "write",
]

MAX_BYTES: Final = 64 << 20
"""The largest state file read: 64 MiB, some hundred thousand roles."""

DEFAULT_TIMEOUT: Final = 10.0
"""Seconds `locked` waits for another process to let go of a file, unless told."""

_POLL: Final = 0.02  # seconds between attempts at a lock another process holds

_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


class StateFileError(ValueError):
    """A fake state file slrkit cannot use.

    It is not one this version of slrkit wrote (not JSON, another format or
    version, a value that breaks its rule, too large, not a regular file), or it
    is in a place slrkit cannot write. The message names the file and what is wrong.
    """


class StateFileBusyError(TimeoutError):
    """Another process kept a fake state file locked for longer than the timeout.

    Nothing was read or written; trying again once it has finished is safe.
    """


if sys.platform == "win32":

    def _try_lock(descriptor: int) -> bool:
        # No fcntl: the thread lock in `locked` is all there is (see the module docstring).
        del descriptor
        return True

else:
    import fcntl

    def _try_lock(descriptor: int) -> bool:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def _check_target(path: Path) -> None:
    """Refuse a path that exists but is no regular file."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StateFileError(f"cannot use {path} as a state file: {exc.strerror}") from exc
    if not stat.S_ISREG(mode):
        raise StateFileError(f"{path} is not a regular file, so it cannot hold a fake's state")


@contextlib.contextmanager
def locked(
    path: str | os.PathLike[str],
    *,
    timeout: float | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Generator[None, None, None]:
    """Hold the exclusive lock on the state file *path* while the block runs.

    Args:
        path: The state file (it need not exist yet).
        timeout: Seconds to wait for another holder (default `DEFAULT_TIMEOUT`).
        monotonic: The clock the wait is measured on.
        sleep: How to wait between attempts.

    Raises:
        StateFileError: *path* is not a regular file, or its folder is missing or
            not writable: the state could never be saved there.
        StateFileBusyError: Another process or thread held the lock past *timeout*.
    """
    target = Path(path).absolute()
    _check_target(target)
    wait = DEFAULT_TIMEOUT if timeout is None else timeout
    lock_path = target.with_name(f"{target.name}.lock")
    try:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StateFileError(
            f"cannot keep a fake's state in {target}: {exc.strerror} ({lock_path})"
        ) from exc
    try:
        if not os.access(target.parent, os.W_OK):
            raise StateFileError(f"cannot keep a fake's state in {target}: folder not writable")
        deadline = monotonic() + wait
        with _thread_lock(target, wait):
            while not _try_lock(descriptor):
                if monotonic() >= deadline:
                    raise _busy(target, descriptor, wait)
                sleep(_POLL)
            os.ftruncate(descriptor, 0)
            os.write(descriptor, f"{os.getpid()}\n".encode())
            yield
    finally:
        os.close(descriptor)  # which lets go of the flock


@contextlib.contextmanager
def _thread_lock(target: Path, timeout: float) -> Generator[None, None, None]:
    with _thread_locks_guard:
        lock = _thread_locks.setdefault(str(target), threading.Lock())
    if not lock.acquire(timeout=timeout):
        raise StateFileBusyError(
            f"{target} is in use by another thread of this process; waited {timeout:g} s for it"
        )
    try:
        yield
    finally:
        lock.release()


def _busy(target: Path, descriptor: int, waited: float) -> StateFileBusyError:
    os.lseek(descriptor, 0, os.SEEK_SET)
    holder = os.read(descriptor, 32).decode(errors="replace").strip()
    who = f"process {holder}" if holder.isdigit() else "another process"
    return StateFileBusyError(
        f"{target} is in use by {who} (another slrkit command, test or server on the "
        f"same state file); waited {waited:g} s for it"
    )


def read(path: str | os.PathLike[str]) -> bytes | None:
    """The bytes of the state file *path*, or None if there is none.

    Raises:
        StateFileError: It is not a regular file, is larger than `MAX_BYTES`, or
            cannot be read.
    """
    target = Path(path)
    _check_target(target)
    try:
        # O_NONBLOCK: should a FIFO replace the file after the check, opening it must not hang.
        descriptor = os.open(target, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateFileError(f"cannot read {target}: {exc.strerror}") from exc
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise StateFileError(f"{target} is not a regular file, so it cannot hold a state")
        data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise StateFileError(
            f"{target} is larger than {MAX_BYTES >> 20} MiB: not a state file slrkit wrote"
        )
    return data


def write(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace the file *path* with *data*, whole or not at all (see the module docstring).

    Raises:
        OSError: The file cannot be written; the old one, if any, is unchanged.
    """
    target = Path(path)
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".partial", dir=target.parent
    )
    try:
        with contextlib.suppress(FileNotFoundError):  # keep the old file's permissions
            Path(temporary).chmod(stat.S_IMODE(target.stat().st_mode))
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        Path(temporary).replace(target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(temporary).unlink()
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows cannot open a folder)."""
    if sys.platform == "win32":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
