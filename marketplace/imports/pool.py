"""Checking the rows of a large upload on every core: chunks of raw rows go to forked helper processes while
the job's own process goes on reading the file (docs/imports.md, "Checking on every core").

`checked_chunks(rows, check)` yields `(chunk, check(chunk))` in the file's order, whichever process ran it.
`check` must be a pure function of the chunk and of state the process already holds (no queries, no writes):
the helpers are forked from the job's process, so they see the kind's look-up tables loaded before the fork
and never touch its database connections. A file of fewer than IMPORT_POOL_MIN_ROWS rows, IMPORT_WORKERS of 1
or a platform without fork runs `check` in the job's own process — the serial path, the same function.

Celery's prefork workers are daemonic billiard processes; billiard refuses them children, but the standard
library's `multiprocessing` (which ProcessPoolExecutor uses) does not know they are daemonic and forks
normally. Should the pool break (a helper killed, fork refused for lack of memory), the chunks not yet yielded
and the rest of the file are checked in the job's process: the result is the same, only slower; nothing has
been written at that point in any case.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Any, TypeVar

from flask import current_app

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

CHUNK_ROWS = 1000
DEFAULT_MIN_ROWS = 2000

# The chunk function of the running import, set in the job's process just before the fork; a helper process
# calls it through _run (only a module-level function can be sent to a helper by name).
_CHECK: Callable[[list], Any] | None = None


def _run(chunk: list) -> Any:
    assert _CHECK is not None, "the pool's check function is set before the fork"
    return _CHECK(chunk)


def pool_size(rows_hint: int | None = None) -> int:
    """Helper processes for an import: IMPORT_WORKERS (default: the machine's cores), 1 = serial."""
    configured = current_app.config.get("IMPORT_WORKERS")
    workers = int(configured) if configured else (os.cpu_count() or 1)
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, workers)


def checked_chunks(rows: Iterable[T], check: Callable[[list[T]], R], *, chunk_rows: int = CHUNK_ROWS,
                   min_rows: int | None = None, workers: int | None = None,
                   stats: dict | None = None) -> Iterator[tuple[list[T], R]]:
    """`(chunk, check(chunk))` for consecutive chunks of `rows`, in order. The first `min_rows` rows are read
    before deciding: a smaller file is checked here; a larger one by `workers` forked processes while this one
    keeps reading. `stats`, when given, receives "workers" (helpers used; 0 for the serial path) and
    "fallback" (True when a broken pool made the rest run here)."""
    if min_rows is None:
        min_rows = int(current_app.config.get("IMPORT_POOL_MIN_ROWS", DEFAULT_MIN_ROWS))
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
    pending: deque[tuple[list[T], Future | None]] = deque()
    executor: ProcessPoolExecutor | None = None
    window = 2 * workers  # chunks in flight: enough to keep every helper busy, with bounded memory
    try:
        try:
            executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
            stats["workers"] = workers
        except (OSError, RuntimeError) as error:
            executor = _broken(error, stats, None)
        # Reading the file (the `chunks` generator) is never inside a try that falls back: a read error
        # propagates as it is. Only the pool's own calls (submit, result) may fall back to this process.
        for chunk in chunks:
            pending.append((chunk, _submit(executor, chunk, stats)))
            while pending and (len(pending) >= window or pending[0][1] is None or pending[0][1].done()):
                done_chunk, future = pending.popleft()
                result, executor = _result(executor, future, done_chunk, check, stats)
                yield done_chunk, result
        while pending:
            done_chunk, future = pending.popleft()
            result, executor = _result(executor, future, done_chunk, check, stats)
            yield done_chunk, result
    finally:
        _CHECK = None
        for _chunk, future in pending:
            if future is not None:
                future.cancel()
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


def _submit(executor: ProcessPoolExecutor | None, chunk: list, stats: dict) -> Future | None:
    if executor is None or stats["fallback"]:
        return None
    try:
        return executor.submit(_run, chunk)
    except (OSError, RuntimeError) as error:  # BrokenProcessPool is a RuntimeError
        _broken(error, stats, executor)
        return None


def _result(executor: ProcessPoolExecutor | None, future: Future | None, chunk: list, check: Callable,
            stats: dict) -> tuple[Any, ProcessPoolExecutor | None]:
    """The chunk's result from its helper, or computed here when the pool has broken."""
    if future is not None and not stats["fallback"]:
        try:
            return future.result(), executor
        except BrokenProcessPool as error:
            executor = _broken(error, stats, executor)
    return check(chunk), executor


def _broken(error: BaseException, stats: dict, executor: ProcessPoolExecutor | None) -> None:
    log.warning("import pool failed (%s: %s); checking the rest in the job's process",
                type(error).__name__, error)
    stats["fallback"] = True
    if executor is not None:
        executor.shutdown(wait=False, cancel_futures=True)
    return None


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
