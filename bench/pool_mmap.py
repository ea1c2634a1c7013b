"""Benchmark: the shared candidate pool at 110,000 candidates — saved once, mapped by fresh worker processes.

    .venv/bin/python bench/pool_mmap.py [--counselors 100000] [--centers 10000] [--workers 4] [--needs 20]

Builds the pool in process (what a web worker did before on its first match request) and measures its time and
memory, saves it with matching/pool_store.py, then starts `--workers` fresh processes at once (spawned: each
imports numpy, scipy, scikit-learn and the ranker first, as a booted web worker has). Each maps the saved
pool, ranks its first need (timed: the pool part of a fresh worker's first match request) and `--needs` more,
waits until every worker has ranked (so the pool's pages are mapped by all of them), then reads
/proc/self/smaps_rollup. Memory is the growth over the process before the pool: `anon` (anonymous memory,
which no other process can share: the real per-worker cost), `private` (Private_Clean + Private_Dirty) and
`pss` (proportional set size: shared file pages divided among the mappers).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

KB_FIELDS = ("Rss", "Pss", "Private_Clean", "Private_Dirty", "Anonymous")


def rollup() -> dict[str, float]:
    """MB per field of this process's /proc/self/smaps_rollup."""
    out = {}
    with open("/proc/self/smaps_rollup") as handle:
        for line in handle:
            name, _, rest = line.partition(":")
            if name in KB_FIELDS:
                out[name] = int(rest.split()[0]) / 1024
    out["private"] = out["Private_Clean"] + out["Private_Dirty"]
    return out


def growth(after: dict, before: dict) -> dict:
    return {"anon": after["Anonymous"] - before["Anonymous"], "private": after["private"] - before["private"],
            "pss": after["Pss"] - before["Pss"], "rss": after["Rss"] - before["Rss"]}


def worker(directory: str, seed: int, needs: int, barrier, results) -> None:
    import numpy as np

    from bench.matching_world import counties, make_need
    from matching import pool_store
    from matching.ranker import Ranker

    places = counties()
    ranker = Ranker()
    rng = np.random.default_rng(seed)
    warm_need = make_need(rng, places)
    before = rollup()
    started = time.perf_counter()
    pool, _meta = pool_store.load(directory)
    loaded = time.perf_counter()
    ranker.rank(warm_need, pool, limit=10)
    first = time.perf_counter()
    times = []
    for _ in range(needs):
        need = make_need(rng, places)
        t = time.perf_counter()
        ranker.rank(need, pool, limit=10)
        times.append((time.perf_counter() - t) * 1000)
    barrier.wait()  # every worker has the pool mapped now
    results.put({"load_ms": (loaded - started) * 1000, "first_ms": (first - started) * 1000,
                 "p50_ms": statistics.median(times) if times else 0.0, **growth(rollup(), before)})
    barrier.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counselors", type=int, default=100_000)
    parser.add_argument("--centers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--needs", type=int, default=20)
    args = parser.parse_args()

    import numpy as np

    from bench.matching_world import counties, make_candidates, make_need
    from matching import pool_store
    from matching.pool import CandidatePool
    from matching.ranker import Ranker

    places = counties()
    records = make_candidates(args.counselors, args.centers, places)
    need = make_need(np.random.default_rng(0), places)
    before = rollup()
    started = time.perf_counter()
    pool = CandidatePool.build(records)
    Ranker().rank(need, pool, limit=10)
    built = time.perf_counter() - started
    in_process = growth(rollup(), before)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; "
          f"{pool.size} candidates")
    print(f"built in process: {built:.2f} s, anon +{in_process['anon']:.0f} MB, private +{in_process['private']:.0f}"
          f" MB (the records themselves not counted)")
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        pool_store.save(pool, directory)
        size = sum(f.stat().st_size for f in Path(directory).rglob("*") if f.is_file()) / 2**20
        print(f"saved in {time.perf_counter() - started:.2f} s: {size:.0f} MB on disk")
        del pool, records
        context = mp.get_context("spawn")
        barrier, results = context.Barrier(args.workers), context.Queue()
        processes = [context.Process(target=worker, args=(directory, i, args.needs, barrier, results))
                     for i in range(args.workers)]
        for p in processes:
            p.start()
        rows = [results.get(timeout=600) for _ in processes]
        for p in processes:
            p.join()
    print(f"{args.workers} fresh workers at once (growth over the booted process, MB):")
    print("| worker | map (ms) | first ranking incl. map (ms) | next p50 (ms) | anon | private | pss | rss |")
    print("|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(rows):
        print(f"| {i} | {r['load_ms']:.1f} | {r['first_ms']:.0f} | {r['p50_ms']:.0f} | {r['anon']:.1f} | "
              f"{r['private']:.1f} | {r['pss']:.1f} | {r['rss']:.1f} |")
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
