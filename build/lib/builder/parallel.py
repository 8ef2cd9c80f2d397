"""Work done in a forked process while this one goes on: the second core of the machine.

Used where a long document makes it pay (the fork copies page tables and the parent then
copies each memory page it writes to): the content check runs beside the layout, and the
read-back reads half of the pages. Results come back pickled through a pipe; a child that
fails gives None, and the caller does the work itself.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    """Whether a second process is worth starting: fork exists and there are 2+ cores."""
    return hasattr(os, "fork") and (os.cpu_count() or 1) >= 2


def in_child(work: Callable[[], T]) -> Callable[[], T | None]:
    """Start `work` in a forked process; the returned function waits for its result (None
    when the child failed)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work, send it, leave without any cleanup of the parent's
        status = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as out:
                out.write(pickle.dumps(work()))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)

    def result() -> T | None:
        with os.fdopen(read_end, "rb") as received:
            data = received.read()
        _, status = os.waitpid(pid, 0)
        return pickle.loads(data) if status == 0 else None

    return result
