"""Work in other processes, through `concurrent.futures.ProcessPoolExecutor` only.

`worker_pool` starts a pool with an explicit start method: `fork` on Linux, where it is safe
and costs no imports, `spawn` elsewhere (fork is unsafe on macOS beside threads and the
Objective-C runtime). Leaving its block, however (an error, KeyboardInterrupt), cancels what
has not started and waits for the workers: none is left running or unreaped.

`beside` runs one piece of work in a forked worker while the caller goes on: the content
check of a long document during its layout, half of a long PDF's read-back (`brochure
build -j N` uses a `worker_pool` of its own). The worker
starts with a copy of this process, so the work needs no pickling, only its result does;
the work's exceptions are raised from `result()` as they would be here. Without a safe fork,
or with one core, it gives None and the caller does the work itself: a spawned worker would
import the package afresh and cost more than it saves. Multiprocessing is imported only
when a pool starts: most builds need none, and the import costs about 10 ms.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

T = TypeVar("T")


def start_method() -> str:
    """'fork' on Linux, else 'spawn'."""
    return "fork" if sys.platform == "linux" else "spawn"


@contextmanager
def worker_pool(workers: int, method: str | None = None,
                initializer: Callable[..., object] | None = None,
                initargs: tuple[Any, ...] = ()) -> Iterator[ProcessPoolExecutor]:
    """A process pool of `workers`, shut down (pending work cancelled, every worker waited
    for) however the block is left."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context(method or start_method())
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=initializer, initargs=initargs)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def can_fork() -> bool:
    """Whether `beside` starts a worker: fork is safe here (Linux, and no other thread that
    might hold a lock the copy would wait for) and there are 2+ cores."""
    import threading

    return (start_method() == "fork" and threading.active_count() == 1
            and (os.cpu_count() or 1) >= 2)


@contextmanager
def beside(work: Callable[[], T]) -> Iterator[Future[T] | None]:
    """`work` started in a forked worker, its Future yielded for the block; None (do the work
    here) where `can_fork` is false."""
    if not can_fork():
        yield None
        return
    with worker_pool(1, "fork", _keep, (work,)) as pool:  # forked arguments are not pickled
        yield pool.submit(_run_kept)


_kept: Callable[[], Any] | None = None
"""In a worker of `beside` only: its work."""


def _keep(work: Callable[[], Any]) -> None:
    global _kept
    _kept = work


def _run_kept() -> Any:
    assert _kept is not None, "only called in a worker of `beside`"
    return _kept()
