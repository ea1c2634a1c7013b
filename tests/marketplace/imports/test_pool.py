"""The import pool (marketplace/imports/pool.py) where it runs in production: inside a daemonic process, as a
Celery prefork worker's child is."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ProcessPoolExecutor

import billiard
import pytest

from marketplace.imports.pool import checked_chunks


def _square(chunk: list[int]) -> list[tuple[int, int]]:
    return [(n * n, os.getpid()) for n in chunk]


def _in_a_daemonic_process(target, *args):
    """Run `target(connection, *args)` in a daemonic billiard process (like a prefork worker's child)."""
    parent, child = billiard.Pipe()
    process = billiard.Process(target=target, args=(child, *args), daemon=True)
    process.start()
    return process, parent


def _import_like_a_worker(connection) -> None:
    stats: dict = {}
    out = [r for _chunk, rows in checked_chunks(range(50), _square, chunk_rows=7, min_rows=10, workers=2,
                                                 stats=stats) for r in rows]
    try:
        with ProcessPoolExecutor(2) as executor:
            executor.submit(abs, -1).result()
        stdlib = "forked"
    except AssertionError as error:
        stdlib = str(error)
    connection.send((out, stats, os.getpid(), stdlib))


def test_the_pool_runs_inside_a_daemonic_worker_where_the_standard_library_may_not_fork():
    process, connection = _in_a_daemonic_process(_import_like_a_worker)
    assert connection.poll(60)
    out, stats, worker, stdlib = connection.recv()
    process.join(10)
    assert [value for value, _pid in out] == [n * n for n in range(50)]  # in the file's order
    assert stats == {"workers": 2, "fallback": False}
    assert worker not in {pid for _value, pid in out}  # checked by the helpers
    assert stdlib == "daemonic processes are not allowed to have children"


def test_a_small_file_is_checked_in_the_job_process():
    stats: dict = {}
    out = [r for _chunk, rows in checked_chunks(range(10), _square, min_rows=10, workers=2, stats=stats)
           for r in rows]
    assert {pid for _value, pid in out} == {os.getpid()} and stats == {"workers": 0, "fallback": False}


def test_a_read_error_is_raised_not_taken_for_a_broken_pool():
    def rows():
        yield from range(30)
        raise OSError("the upload vanished")

    stats: dict = {}
    with pytest.raises(OSError, match="vanished"):
        list(checked_chunks(rows(), _square, chunk_rows=7, min_rows=10, workers=2, stats=stats))
    assert stats["fallback"] is False


def _slow(chunk: list[int]) -> list[int]:
    time.sleep(30)
    return chunk


def _report_helpers(connection) -> None:
    import threading

    def report():
        time.sleep(1.5)
        connection.send(billiard.active_children() and [p.pid for p in billiard.active_children()])

    threading.Thread(target=report, daemon=True).start()
    list(checked_chunks(range(30), _slow, chunk_rows=7, min_rows=10, workers=2))


def test_helpers_die_with_a_killed_worker():
    process, connection = _in_a_daemonic_process(_report_helpers)
    assert connection.poll(30)
    helpers = connection.recv()
    assert len(helpers) == 2
    os.kill(process.pid, signal.SIGKILL)
    process.join(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in helpers):
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in helpers)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_collector_spared_freezes_and_restores():
    import gc

    from marketplace.imports.jobs import YOUNG_THRESHOLD, collector_spared

    before = gc.get_threshold()
    with collector_spared():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] >= YOUNG_THRESHOLD
        assert gc.isenabled()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_pool_keeps_an_outer_freeze_until_the_import_ends():
    import gc

    from marketplace.imports.jobs import collector_spared

    with collector_spared():
        stats: dict = {}
        out = [r for _chunk, rows in checked_chunks(range(50), _square, chunk_rows=7, min_rows=10, workers=2,
                                                     stats=stats) for r in rows]
        assert stats["workers"] == 2 and [value for value, _pid in out] == [n * n for n in range(50)]
        assert gc.get_freeze_count() > 0  # still frozen: collector_spared unfreezes
    assert gc.get_freeze_count() == 0
