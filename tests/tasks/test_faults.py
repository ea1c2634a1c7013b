"""Fault tests with real processes (PostgreSQL + Redis pass of .ci/run): a private `redis-server` killed with
`kill -9` while jobs are queued, a broker that is down during a submit, and a Celery worker SIGKILLed in the
middle of every job kind. Figures: docs/reliability.md.

The test process plays the web side (it commits job rows and outbox messages and runs the reaper and the
sweep, as beat would); a worker subprocess runs the tasks from the private Redis.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import redis
from celery import Celery
from sqlalchemy import select

from marketplace.directory import certificates
from marketplace.directory import imports as counselor_imports
from marketplace.directory.search import CounselorFilters
from marketplace.evaluation import services as evaluation
from marketplace.extensions import db
from marketplace.imports import jobs as import_jobs
from marketplace.jobs import services as jobs
from marketplace.jobs.models import Job, JobState
from marketplace.outbox import services as outbox
from marketplace.outbox.models import OutboxMessage
from marketplace.oversight import reports
from marketplace.timeutil import local_today, utcnow
from tests.conftest import require_postgres_session, require_service
from tests.marketplace.directory.certificate_helpers import appoint

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(16410, 16420)  # this branch's private Redis ports


def _free_port() -> int:
    """A free port of the range; each pytest-xdist worker takes its own half so two never race for one."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    half = len(PORTS) // 2
    start = (worker % 2) * half
    for port in PORTS[start:start + half]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail("no free port in 16410-16419 for a private redis-server")


class PrivateRedis:
    """A redis-server of our own (AOF on or off), that the test may kill -9 and start again on the same
    data folder."""

    def __init__(self, folder: Path, aof: bool):
        self.folder, self.aof, self.port = folder, aof, _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        persistence = ["--appendonly", "yes", "--appendfsync", "everysec"] if self.aof else ["--appendonly", "no"]
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--dir", str(self.folder), *persistence], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                if self.process.poll() is None and client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def queued(self) -> int:
        return redis.Redis.from_url(self.url).llen("celery")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def faults(app, tmp_path):
    require_service("redis-server", shutil.which("redis-server") is not None)
    require_postgres_session()  # the worker and the test write the same database at once
    servers: list[PrivateRedis] = []
    eager = app.extensions["celery"]

    def redis_server(aof: bool) -> PrivateRedis:
        server = PrivateRedis(tmp_path / f"redis-{len(servers)}", aof)
        server.folder.mkdir()
        servers.append(server)
        return server

    def use_broker(url: str | None) -> None:
        """Point the web side's outbox at `url` (None: back to the eager test Celery)."""
        if url is None:
            app.extensions["celery"] = eager
            eager.set_default()
            return
        broker = Celery("fault-web", set_as_current=False)
        broker.conf.update({**app.config["CELERY"], "broker_url": url, "result_backend": None,
                            "task_ignore_result": True})
        app.extensions["celery"] = broker

    yield redis_server, use_broker
    use_broker(None)
    for server in servers:
        server.stop()


_WORKER = """
import os, sys, time
slow = os.environ.get("FAULT_SLOW") == "1"
if slow:  # pause inside every job kind, after it has started writing, so the test can kill the worker there
    from marketplace.directory import certificates
    from marketplace.evaluation import services as evaluation
    from marketplace.imports import jobs as import_jobs
    from marketplace.oversight import reports

    def pausing(original):
        def run(*args, **kwargs):
            result = original(*args, **kwargs)
            print("WORKING", original.__module__, flush=True)
            time.sleep(120)
            return result
        return run
    certificates._advance = pausing(certificates._advance)
    reports._step = pausing(reports._step)
    evaluation.evaluate_counselors = pausing(evaluation.evaluate_counselors)
    import_jobs.Progress.__call__ = pausing(import_jobs.Progress.__call__)
from wsgi import celery
celery.worker_main(["worker", "--pool=prefork", "--concurrency=%s" % os.environ.get("FAULT_CONCURRENCY", "2"),
                    "--loglevel=info", "--without-gossip", "--without-mingle", "--without-heartbeat",
                    "-n", "fault-%d@%%h" % os.getpid()])
"""


def _worker(app, database_url: str, redis_url: str, log: Path, slow: bool = False, concurrency: int = 2):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.update({"FUDAO_INSTANCE_PATH": app.instance_path, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                "FUDAO_SECRET_KEY": "test-secret", "FAULT_SLOW": "1" if slow else "0",
                "FAULT_CONCURRENCY": str(concurrency)})
    out = log.open("w")
    return subprocess.Popen([sys.executable, "-c", _WORKER], cwd=ROOT, env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True), out


def _stop(process) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _wait(condition, timeout: float, what: str, log: Path | None = None) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        db.session.expire_all()
        if condition():
            return time.monotonic() - started
        time.sleep(0.3)
    tail = log.read_text(errors="replace")[-4000:] if log else ""
    pytest.fail(f"timed out waiting for {what}\n{tail}")


def _states(ids: list[str]) -> dict[str, int]:
    states: dict[str, int] = {}
    for state in db.session.scalars(select(Job.state).where(Job.id.in_(ids))):
        states[state.value] = states.get(state.value, 0) + 1
    return states


def _batches(world, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        ids.append(certificates.start_batch(world["county"], CounselorFilters(), "pdf").id)
        db.session.commit()
    return ids


@pytest.mark.parametrize("aof", [True, False], ids=["aof-everysec", "no-persistence"])
def test_redis_kill_9_with_queued_jobs_loses_none(app, world, database_url, tmp_path, faults, aof):
    """20 certificate batches queued, Redis killed with kill -9 before any worker took them, Redis restarted.
    With AOF (appendfsync everysec) the broker kept every message; without persistence it lost them all and
    the outbox sweep sends them again. Either way every job runs once the worker is up."""
    redis_server, use_broker = faults
    appoint(world["county"])
    server = redis_server(aof)

    # The broker is down during the first submit: the request commits, the message waits in the outbox.
    use_broker(server.url)
    first = _batches(world, 1)
    assert db.session.scalar(select(OutboxMessage.sent_at).where(OutboxMessage.job_id == first[0])) is None

    server.start()
    assert outbox.sweep(utcnow() + timedelta(seconds=10))["failed"] == 0  # beat's sweep, once Redis is back
    ids = first + _batches(world, 19)
    assert server.queued() == 20
    time.sleep(1.5)  # appendfsync everysec: what was written more than a second ago is on disk
    server.kill9()
    server.start()
    kept = server.queued()
    assert kept == (20 if aof else 0)
    if not aof:  # the broker lost them: sent, never started, so the sweep sends them again
        assert outbox.sweep(utcnow() + app.config["OUTBOX_REDELIVER_AFTER"] + timedelta(seconds=1))["due"] == 20

    log = tmp_path / "worker.log"
    process, out = _worker(app, database_url, server.url, log)
    try:
        took = _wait(lambda: _states(ids).get("succeeded") == 20, 150, "all 20 batches", log)
    finally:
        _stop(process)
        out.close()
    assert _states(ids) == {"succeeded": 20}
    print(f"\nredis kill -9 ({'AOF everysec' if aof else 'no persistence'}): broker kept {kept}/20, "
          f"jobs lost 0/20, all done {took:.1f} s after the worker started")


def _import_job(world) -> Job:
    from tests.marketplace.directory.test_imports import row, xlsx

    # new people only (n from 2: the tests appoint n 0 and 1 first): outside the yearly window an import that
    # would change existing records is refused as a whole file
    job = import_jobs.start_import(counselor_imports.KIND, world["county"], io.BytesIO(xlsx([row(n) for n in
                                                                                           range(2, 41)])))
    db.session.commit()
    return job


def test_worker_sigkilled_in_every_job_kind(app, world, database_url, tmp_path, faults):
    """One batch, one evaluation, one report and one import running at once in a worker that is SIGKILLed
    mid-job: nothing half-written is left (no .part, no upload), the idempotent kinds are re-queued by the
    reaper and finish, the import fails clearly (导入中断…) with its upload deleted."""
    redis_server, use_broker = faults
    for n, name in enumerate(["刘桂芳", "张三"]):
        appoint(world["county"], name=name, n=n)
    server = redis_server(aof=True)
    server.start()
    use_broker(server.url)
    batch = certificates.start_batch(world["county"], CounselorFilters(), "pdf")
    db.session.commit()
    run = evaluation.start_evaluation(world["county"], "counselor", local_today().year)
    db.session.commit()
    report = reports.start_report(world["county"], "130123", date(local_today().year, 1, 1), local_today())
    db.session.commit()
    upload = _import_job(world)
    ids = [batch.id, run.id, report.id, upload.id]
    assert Path(upload.input_path).exists()

    log = tmp_path / "worker.log"
    process, out = _worker(app, database_url, server.url, log, slow=True, concurrency=4)
    try:
        _wait(lambda: log.read_text(errors="replace").count("WORKING") >= 4, 120, "four jobs in progress", log)
        assert _states(ids) == {"running": 4}
        assert list((Path(app.instance_path) / "certificates").glob(f"{batch.id}.*.part"))  # half-written
    finally:
        _stop(process)  # SIGKILL the worker and its children mid-job
        out.close()

    use_broker(None)  # the reaper's re-queues run here, eagerly, as a new worker would run them
    counts = jobs.reap_stale(utcnow() + timedelta(hours=1))
    assert counts == {"requeued": 3, "failed": 1}
    db.session.expire_all()
    assert {job_id: db.session.get(Job, job_id).state for job_id in ids} == {
        batch.id: JobState.SUCCEEDED, run.id: JobState.SUCCEEDED, report.id: JobState.SUCCEEDED,
        upload.id: JobState.FAILED}
    failed = db.session.get(Job, upload.id)
    assert failed.errors[0]["message"] == "导入中断：处理过程中断，未写入任何数据，请重新上传"
    instance = Path(app.instance_path)
    assert list(instance.glob("*/*.part")) == []
    assert list((instance / "imports").iterdir()) == []  # the upload (personal data) is gone
    assert certificates.result_file(db.session.get(Job, batch.id)) is not None
    assert reports.result_file(db.session.get(Job, report.id), "pdf") is not None
