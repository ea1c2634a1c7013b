"""Benchmark: a 30,000-row counselor import end to end — upload through the API, a real Celery worker, the job
polled through the API until it finishes — on a scratch PostgreSQL database.

    .venv/bin/python bench/import_end_to_end.py --rows 30000

Creates `fudao_<prefix>_<hex>` on 127.0.0.1:5432 (dropped afterwards unless FUDAO_BENCH_KEEP=1), migrates it,
loads Hebei's regions and a province official with an API token, then starts `gunicorn -w 2` on --port and a
prefork Celery worker (concurrency 2) on Redis --redis (its DB is flushed first: use one of your own), uploads
the xlsx with `POST /api/v1/counselors/imports`, polls `GET /api/v1/jobs/<id>` every 20 ms and prints:
upload (request time), picked up (upload answered → job seen running), the phases the job recorded
(`summary["phases"]`), end to end (upload sent → job seen succeeded) and the peak RSS (VmHWM) of the worker
child that ran the import and of any helper processes it started.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_counselors import _issues_ids, build_file  # noqa: E402
from bench.scratch import scratch_database  # noqa: E402


def prepare(url: str) -> tuple[str, list[str]]:
    """Migrate, load Hebei, create the province official; return a bearer token and the ID-issuing counties."""
    from flask_migrate import upgrade
    from sqlalchemy import select
    from stdnum.cn import ric

    from marketplace import create_app
    from marketplace.accounts.models import Role, User
    from marketplace.accounts.services import ensure_department, issue_token
    from marketplace.extensions import db
    from marketplace.regions.models import Level, Region
    from marketplace.regions.services import load_regions

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        load_regions(app.config["REGION_DATA_DIR"], provinces={"13"})
        db.session.commit()
        department = ensure_department(db.session.get(Region, "130000"), None)
        official = User(username="bench-province", display_name="省级管理员", role=Role.OFFICIAL,
                        region_code="130000", department=department, password_hash="-",
                        must_change_password=False)
        db.session.add(official)
        db.session.flush()
        raw, _token = issue_token(official)
        db.session.commit()
        counties = [code for code in db.session.scalars(select(Region.code).where(
            Region.level == Level.COUNTY, Region.code.startswith("13"), Region.valid_to.is_(None))
            .order_by(Region.code)) if _issues_ids(ric, code)]
        db.engine.dispose()
    return raw, counties


def empty_directory(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for table in ("counselor_service_areas", "counselor_events", "counselors"):
            connection.execute(text(f"DELETE FROM {table}"))
            connection.execute(text(f"VACUUM ANALYZE {table}"))
    engine.dispose()


def multipart(field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def request(base: str, path: str, token: str, body: bytes | None = None, content_type: str | None = None):
    headers = {"Authorization": f"Bearer {token}"}
    if content_type:
        headers["Content-Type"] = content_type
    req = urllib.request.Request(base + path, data=body, headers=headers, method="POST" if body else "GET")
    with urllib.request.urlopen(req, timeout=60) as response:
        return response.status, json.loads(response.read())


def wait_http(base: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("gunicorn exited; see its log")
        try:
            urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not answer")


def descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            stack += children
    return found


def private_kb(pid: int) -> int:
    """Memory the process does not share (USS: private clean + dirty pages), from smaps_rollup."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0
    return sum(int(line.split()[1]) for line in lines if line.startswith(("Private_Clean:", "Private_Dirty:")))


def status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process and of its children it has waited for (the pool's helpers)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def backend_pids(database: str) -> list[int]:
    """PostgreSQL backends connected to `database` (from their process titles)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            found.append(int(entry.name))
    return found


class Timeline:
    """CPU of the job's worker child, its helpers and the database's backends, sampled from /proc every
    `every` seconds while an import runs, printed as shares of a core per `bucket` seconds (--timeline)."""

    def __init__(self, worker: int, database: str, every: float = 0.05, bucket: float = 0.5) -> None:
        import threading

        self.worker, self.database, self.every, self.bucket = worker, database, every, bucket
        self.samples: list[tuple[float, dict[int, float]]] = []
        self.roles: dict[int, str] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self, children_before: set[int], t0: float) -> None:
        self.children_before, self.t0 = children_before, t0
        self.thread.start()

    def _run(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        while not self.stop.is_set():
            now = time.perf_counter() - self.t0
            cpu = {}
            for pid in self.children_before:
                cpu[pid] = self._own(pid, tick)
            for pid in descendants(self.worker):
                if pid not in self.children_before:
                    self.roles.setdefault(pid, "helpers")
                    cpu[pid] = self._own(pid, tick)
            for pid in backend_pids(self.database):
                self.roles.setdefault(pid, "backends")
                cpu[pid] = self._own(pid, tick)
            self.samples.append((now, cpu))
            time.sleep(self.every)

    @staticmethod
    def _own(pid: int, tick: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / tick  # utime + stime, without waited-for children

    def report(self, job_pid: int) -> None:
        self.stop.set()
        self.thread.join()
        roles = {**self.roles, job_pid: "job"}
        names = ("job", "helpers", "backends")
        print(f"  CPU timeline (share of one core per {self.bucket} s; job = the worker child that ran it):")
        print("     from    " + "".join(f"{n:>10}" for n in names) + "     total")
        last: dict[int, float] = {}
        start, used = 0.0, dict.fromkeys(names, 0.0)
        for at, cpu in self.samples:
            for pid, seconds in cpu.items():
                role = roles.get(pid)
                if seconds != seconds:  # the process is gone
                    continue
                # a helper seen for the first time counts from 0 (it was forked during the import); every
                # other process from its first sample
                before = last.get(pid, 0.0 if role == "helpers" else seconds)
                last[pid] = seconds
                if role is not None:
                    used[role] += seconds - before
            if at - start >= self.bucket:
                span = at - start
                print(f"  {start:6.2f} s   " + "".join(f"{used[n] / span:10.2f}" for n in names)
                      + f"{sum(used.values()) / span:10.2f}")
                start, used = at, dict.fromkeys(names, 0.0)


def wait_worker_ready(log: Path, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"worker exited:\n{log.read_text(errors='replace')[-3000:]}")
        if " ready." in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    sys.exit("worker not ready")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--port", type=int, default=5631)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--prefix", default="fudao_import17")
    parser.add_argument("--workers", type=int, help="FUDAO_IMPORT_WORKERS for the worker (1: no pool)")
    parser.add_argument("--runs", type=int, default=1,
                        help="imports of the same file, the directory emptied (and vacuumed) between them")
    parser.add_argument("--timeline", action="store_true",
                        help="sample the CPU of the job, its helpers and the database's backends (/proc)")
    args = parser.parse_args()
    import redis

    redis.Redis.from_url(args.redis).flushdb()
    instance = Path(tempfile.mkdtemp(prefix="fudao-e2e-"))
    processes: list[subprocess.Popen] = []
    with scratch_database(args.prefix) as url:
        token, counties = prepare(url)
        env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": args.redis, "FUDAO_INSTANCE_PATH": str(instance),
               "SECRET_KEY": "bench-end-to-end", "FUDAO_FORCE_HTTPS": "false",
               "FUDAO_SESSION_COOKIE_SECURE": "false", "FUDAO_TOTP_REQUIRED_LEVELS": "[]",
               "FUDAO_RATELIMIT_API": '"100000 per minute"', "FUDAO_RATELIMIT_LOGIN": '"1000 per minute"',
               "FUDAO_RATELIMIT_VERIFY": '"1000 per minute"'}
        if args.workers:
            env["FUDAO_IMPORT_WORKERS"] = str(args.workers)
        try:
            web_log, worker_log = instance / "gunicorn.log", instance / "worker.log"
            processes.append(subprocess.Popen(
                [str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{args.port}", "wsgi:app"],
                cwd=ROOT, env=env, stdout=web_log.open("w"), stderr=subprocess.STDOUT))
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "wsgi:celery", "worker", "--pool=prefork",
                 "--concurrency=2", "--loglevel=info", "--without-gossip", "--without-mingle",
                 "-n", f"bench-e2e-{os.getpid()}@%h"],
                cwd=ROOT, env=env, stdout=worker_log.open("w"), stderr=subprocess.STDOUT)
            processes.append(worker)
            base = f"http://127.0.0.1:{args.port}"
            wait_http(base, processes[0])
            wait_worker_ready(worker_log, worker)
            print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
                  f"({os.cpu_count()} CPUs)")
            data = build_file(args.rows, counties)
            for run in range(args.runs):
                if run:
                    empty_directory(url)
                body, content_type = multipart("file", "counselors.xlsx", data)
                load = os.getloadavg()[0]
                children_before = set(descendants(worker.pid))
                cpu_before = {pid: cpu_seconds(pid) for pid in children_before}
                helpers: dict[int, int] = {}  # processes started during the import → their peak RSS (kB)
                unshared: dict[int, int] = {}  # … and the most they held unshared with the job's process
                sent = time.perf_counter()
                timeline = Timeline(worker.pid, url.rsplit("/", 1)[1]) if args.timeline else None
                if timeline:
                    timeline.start(children_before, sent)
                status, answer = request(base, "/api/v1/counselors/imports", token, body, content_type)
                uploaded = time.perf_counter()
                assert status == 202, answer
                job_id, running_at, job = answer["job_id"], None, None
                while True:
                    _status, job = request(base, f"/api/v1/jobs/{job_id}", token)
                    now = time.perf_counter()
                    if running_at is None and job["state"] != "pending":
                        running_at = now
                    if job["state"] in ("succeeded", "failed"):
                        break
                    for pid in descendants(worker.pid):
                        if pid not in children_before:
                            helpers[pid] = max(helpers.get(pid, 0), status_kb(pid, "VmHWM"))
                            unshared[pid] = max(unshared.get(pid, 0), private_kb(pid))
                    time.sleep(0.02)
                finished = time.perf_counter()
                for _ in range(50):  # the commit's own phase is written just after the commit
                    if not job["summary"].get("phases") or job["summary"]["phases"][-1]["name"] == "commit":
                        break
                    time.sleep(0.02)
                    _status, job = request(base, f"/api/v1/jobs/{job_id}", token)
                summary = job["summary"]
                print(f"run {run + 1}: {args.rows} rows, {len(data) / 1e6:.1f} MB; state {job['state']} "
                      f"(created {summary.get('created')}, errors {job['errors_total']})")
                if job["state"] != "succeeded":
                    print(json.dumps(job["errors"][:5], ensure_ascii=False))
                    print(worker_log.read_text(errors="replace")[-4000:])
                print(f"  upload (POST answered)   {uploaded - sent:6.2f} s")
                print(f"  picked up (seen running) {running_at - uploaded:6.2f} s after the upload")
                for phase in summary.get("phases", []):
                    print(f"  phase {phase['name']:<18} {phase['seconds']:6.2f} s")
                print(f"  end to end               {finished - sent:6.2f} s")
                used = {pid: cpu_seconds(pid) - before for pid, before in cpu_before.items()}
                job_pid = max(used, key=used.get)
                print(f"  CPU time of the worker child that ran it, helpers included: {used[job_pid]:.2f} s")
                print(f"  peak RSS (VmHWM): worker child {status_kb(job_pid, 'VmHWM') / 1024:.0f} MB; helpers "
                      + (", ".join(f"{kb / 1024:.0f} MB ({unshared[pid] / 1024:.0f} MB unshared)"
                                   for pid, kb in helpers.items()) or "none seen"))
                print(f"  pool: {summary.get('pool')}")
                if timeline:
                    timeline.report(job_pid)
                print(f"  load average (1 min) before / after: {load:.2f} / {os.getloadavg()[0]:.2f}")
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
            if os.environ.get("FUDAO_BENCH_KEEP"):
                print(f"kept {instance}")
            else:
                shutil.rmtree(instance, ignore_errors=True)
    redis.Redis.from_url(args.redis).flushdb()


if __name__ == "__main__":
    main()
