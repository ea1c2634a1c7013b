"""Tasks through a real Celery worker process: on the embedded serverless broker and on Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery import Celery

from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.notifications.services import notify
from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
REDIS_TEST_URL = os.environ.get("FUDAO_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _run_worker(tmp_path: Path, database_url: str, broker: str, backend: str, redis_url: str | None):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.update({"FUDAO_INSTANCE_PATH": str(tmp_path), "DATABASE_URL": database_url})
    if redis_url:
        env["REDIS_URL"] = redis_url
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed by the fixture
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "wsgi:celery", "worker", "--pool=solo", "--loglevel=info",
         "--without-gossip", "--without-mingle", "-n", f"test-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    client = Celery("fudao-test-client", broker=broker, backend=backend, set_as_current=False)
    return process, client, log


def _round_trip(process, client, tmp_path: Path, make_user, outbox: Path) -> None:
    try:
        ping = client.send_task("maintenance.ping").get(timeout=90)
        assert ping["pong"] is True
        assert ping["regions"] > 1000  # the worker reads the same database as the test

        user = make_user(role="operator", region_code="130123", email="farmer@example.com")
        notification = notify(user, "需求已匹配", "已为您的需求推荐 3 位辅导员")
        db.session.info.pop("fudao_pending_tasks", None)  # send it through the worker instead
        db.session.commit()
        assert client.send_task("notifications.send_email", [notification.id]).get(timeout=60) is True
        db.session.expire_all()
        assert db.session.get(Notification, notification.id).emailed_at is not None
        mails = list(outbox.glob("*"))
        mailed = "".join(m.read_text(encoding="utf-8", errors="replace") for m in mails)
        assert "已为您的需求推荐 3 位辅导员" in mailed
    except Exception:
        print((tmp_path / "worker.log").read_text(errors="replace")[-5000:])
        raise
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_embedded_broker_runs_tasks_in_a_real_worker(tmp_path, database_url, make_user):
    broker = f"sqla+sqlite:///{tmp_path / 'celery-broker.sqlite'}"
    backend = f"db+sqlite:///{tmp_path / 'celery-results.sqlite'}"
    process, client, log = _run_worker(tmp_path, database_url, broker, backend, None)
    with log:
        _round_trip(process, client, tmp_path, make_user, tmp_path / "outbox")


@pytest.mark.redis
def test_redis_broker_runs_tasks_in_a_real_worker(tmp_path, database_url, make_user):
    require_service("Redis", _redis_reachable(REDIS_TEST_URL))
    process, client, log = _run_worker(tmp_path, database_url, REDIS_TEST_URL, REDIS_TEST_URL, REDIS_TEST_URL)
    with log:
        _round_trip(process, client, tmp_path, make_user, tmp_path / "outbox")
