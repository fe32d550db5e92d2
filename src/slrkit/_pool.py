"""A bounded pool of threads whose time a virtual clock can follow.

`concurrent.futures` would do the threading, but the virtual clock of
`slrkit.testing` must hear (through `slrkit._clock.crew`) when each worker is
done, so that time moves as it would for concurrent threads: only when every
worker sleeps, and only to the earliest wake-up. This pool tells it.
"""

from __future__ import annotations

import queue
import threading
from typing import TYPE_CHECKING, TypeVar

from slrkit._clock import Crew, crew

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from slrkit._clock import Clock

__all__ = ["run"]

_T = TypeVar("_T")


def run(tasks: Sequence[Callable[[], _T]], *, workers: int, clock: Clock) -> list[_T]:
    """Run *tasks* on at most *workers* threads sharing *clock*; results in task order.

    Raises:
        BaseException: The first exception a task raised, once every worker stopped.
    """
    if not tasks:
        return []
    results: dict[int, _T] = {}
    work: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(tasks)):
        work.put(index)
    failures: list[BaseException] = []
    size = min(workers, len(tasks))

    def worker(members: Crew) -> None:
        try:
            while True:
                try:
                    index = work.get_nowait()
                except queue.Empty:
                    return
                results[index] = tasks[index]()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            failures.append(exc)
        finally:
            members.leave()

    with crew(clock, size) as members:
        threads = [
            threading.Thread(target=worker, args=(members,), name=f"slrkit-pool-{n}")
            for n in range(size)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if failures:
        raise failures[0]
    return [results[index] for index in range(len(tasks))]
