"""Checking the rows of a large upload on every core: chunks of raw rows go to forked helper processes while
the job's own process goes on reading the file (docs/imports.md, "Checking on every core").

`checked_chunks(rows, check)` yields `(chunk, check(chunk))` in the file's order, whichever process ran it.
`check` must be a pure function of the chunk and of state the process already holds (no queries, no writes):
the helpers are forked from the job's process, so they see the kind's look-up tables loaded before the fork
and never touch its database connections. A file of at most IMPORT_POOL_MIN_ROWS rows, IMPORT_WORKERS of 1
or a platform without fork runs `check` in the job's own process — the serial path, the same function.

The pool is billiard's (Celery's own fork of multiprocessing): a Celery prefork worker is a daemonic process,
and the standard library refuses daemonic processes children ("daemonic processes are not allowed to have
children"); billiard does not. The helpers ask the kernel to kill them when the job's process dies
(PR_SET_PDEATHSIG), so a worker killed mid-import leaves no orphans. Should the pool break (a helper killed,
fork refused for lack of memory), the chunks not yet yielded and the rest of the file are checked in the job's
process: the result is the same, only slower; nothing has been written at that point in any case.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

import billiard
from billiard.exceptions import WorkerLostError
from flask import current_app

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

CHUNK_ROWS = 1000
DEFAULT_MIN_ROWS = 2000
PR_SET_PDEATHSIG = 1
LOST_AFTER = 1.0  # seconds billiard waits before it calls a job whose helper died lost (its default: 10)
# What starting or feeding a broken pool raises: a refused fork (OSError), a pool no longer running
# (ValueError / AssertionError from billiard's state checks). A helper that died with its chunk makes that
# chunk's result a WorkerLostError. An error raised by `check` itself is not the pool's: it propagates.
POOL_ERRORS = (OSError, ValueError, AssertionError)

# The chunk function of the running import, set in the job's process just before the fork; a helper process
# calls it through _run (only a module-level function can be sent to a helper by name).
_CHECK: Callable[[list], Any] | None = None


def _run(chunk: list) -> Any:
    if _CHECK is None:
        raise RuntimeError("import pool helper without a check function")
    return _CHECK(chunk)


def _helper_started() -> None:
    """In each helper: die with the job's process (a SIGKILLed worker must not leave helpers behind), and take
    SIGTERM / SIGINT by default rather than with the Celery handlers inherited through the fork."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            log.debug("prctl(PR_SET_PDEATHSIG) unavailable")
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    # A collection would walk (and so copy, page by page) the whole heap inherited from the job's process;
    # a helper lives for one file and its rows hold no cycles.
    gc.disable()


def pool_size() -> int:
    """Helper processes for an import: IMPORT_WORKERS (default: the machine's cores); 1 = serial."""
    if "fork" not in billiard.get_all_start_methods():
        return 1
    configured = current_app.config.get("IMPORT_WORKERS")
    return max(1, int(configured) if configured else (os.cpu_count() or 1))


def checked_chunks(rows: Iterable[T], check: Callable[[list[T]], R], *, chunk_rows: int | None = None,
                   min_rows: int | None = None, workers: int | None = None,
                   stats: dict | None = None) -> Iterator[tuple[list[T], R]]:
    """`(chunk, check(chunk))` for consecutive chunks of `rows`, in order. The first `min_rows` rows are read
    before deciding: a file of no more is checked here; a larger one by `workers` forked processes while this
    one keeps reading. `stats`, when given, receives "workers" (helpers used; 0 for the serial path) and
    "fallback" (True when a broken pool made the rest run here)."""
    if min_rows is None:
        min_rows = int(current_app.config.get("IMPORT_POOL_MIN_ROWS", DEFAULT_MIN_ROWS))
    chunk_rows = chunk_rows or CHUNK_ROWS
    workers = pool_size() if workers is None else workers
    stats = stats if stats is not None else {}
    stats.update(workers=0, fallback=False)
    source = iter(rows)
    head: list[T] = list(islice(source, min_rows + 1))
    chunks = _chunks(head, source, chunk_rows)
    if workers <= 1 or len(head) <= min_rows:
        for chunk in chunks:
            yield chunk, check(chunk)
        return

    global _CHECK
    _CHECK = check
    outer_freeze = gc.get_freeze_count() > 0  # the import is already frozen (jobs.collector_spared)
    gc.freeze()  # the job's objects so far: out of the collector's way, in here and in the forked helpers
    pool = _Pool(workers, stats)
    pending: deque[tuple[list[T], Any]] = deque()
    window = 2 * workers  # chunks in flight: enough to keep every helper busy, with bounded memory
    try:
        # Reading the file (the `chunks` generator) is never inside a try that falls back: a read error
        # propagates as it is. Only the pool's own calls (submit, result) fall back to this process.
        for chunk in chunks:
            pending.append((chunk, pool.submit(chunk)))
            while pending and (len(pending) >= window or pending[0][1] is None or pending[0][1].ready()):
                done, result = pending.popleft()
                yield done, pool.result(result, done, check)
        while pending:
            done, result = pending.popleft()
            yield done, pool.result(result, done, check)
    finally:
        _CHECK = None
        pool.close()
        if not outer_freeze:  # otherwise the caller unfreezes once the import is done
            gc.unfreeze()


class _Pool:
    """billiard's pool, or nothing once it has broken (then every chunk is checked in this process)."""

    def __init__(self, workers: int, stats: dict) -> None:
        self.stats, self.pool = stats, None
        try:
            self.pool = billiard.get_context("fork").Pool(processes=workers, initializer=_helper_started,
                                                             lost_worker_timeout=LOST_AFTER)
            stats["workers"] = workers
        except POOL_ERRORS as error:
            self.broken(error)

    def submit(self, chunk: list) -> Any:
        if self.pool is None:
            return None
        try:
            return self.pool.apply_async(_run, (chunk,))
        except POOL_ERRORS as error:
            self.broken(error)
            return None

    def result(self, pending: Any, chunk: list, check: Callable) -> Any:
        if pending is not None and self.pool is not None:
            try:
                return pending.get()
            except Exception as error:
                lost = getattr(error, "exc", error)  # billiard wraps the WorkerLostError it makes itself
                if not isinstance(lost, WorkerLostError):
                    raise
                self.broken(lost)
        return check(chunk)

    def broken(self, error: BaseException) -> None:
        log.warning("import pool failed (%s: %s); checking the rest in the job's process",
                    type(error).__name__, error)
        self.stats["fallback"] = True
        self.close(terminate=True)

    def close(self, terminate: bool = False) -> None:
        pool, self.pool = self.pool, None
        if pool is None:
            return
        if terminate:
            pool.terminate()
        else:
            pool.close()
        pool.join()


def _chunks(head: list[T], rest: Iterator[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(head), size):
        chunk = head[start:start + size]
        if len(chunk) < size:  # the head's last part: fill it from the rest so chunks stay full
            chunk += list(islice(rest, size - len(chunk)))
            yield chunk
            break
        yield chunk
    while chunk := list(islice(rest, size)):
        yield chunk
