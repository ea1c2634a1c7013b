"""The transactional outbox: messages commit with the job row, a broker outage is no 500 and loses nothing."""

from __future__ import annotations

import ast
import socket
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from sqlalchemy import select

from marketplace.background import enqueue_after_commit
from marketplace.extensions import db
from marketplace.jobs.models import Job, JobState
from marketplace.outbox import services as outbox
from marketplace.outbox.models import OutboxMessage
from marketplace.timeutil import utcnow
from tests.marketplace.directory.certificate_helpers import appoint

ROOT = Path(__file__).resolve().parents[3]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_module_under_marketplace_imports_tasks():
    offenders = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "marketplace").rglob("*.py"))
                 if any(name == "tasks" or name.startswith("tasks.") for name in _imports(path))]
    assert offenders == [], "services queue tasks by name through the outbox; they never import tasks/"


def test_message_commits_with_the_transaction_and_runs_after(db):
    enqueue_after_commit("maintenance.ping")
    db.session.rollback()
    assert db.session.scalar(select(OutboxMessage)) is None  # a rolled-back request sends nothing

    enqueue_after_commit("maintenance.ping")
    db.session.commit()
    message = db.session.scalar(select(OutboxMessage))
    assert message.task_name == "maintenance.ping"
    assert message.sent_at is not None and message.started_at is not None and message.attempts == 1


def test_a_savepoint_sends_nothing_until_the_outer_commit(db):
    """A message queued inside `begin_nested` goes when the whole transaction commits (on SQLite a separate
    connection would otherwise wait for the outer transaction's write lock); one whose savepoint rolled back
    is never sent."""
    with db.session.begin_nested():
        enqueue_after_commit("maintenance.ping")
    kept = db.session.scalar(select(OutboxMessage))
    assert kept.sent_at is None
    try:
        with db.session.begin_nested():
            enqueue_after_commit("maintenance.ping")
            raise RuntimeError("this part is given up")
    except RuntimeError:
        pass
    db.session.commit()
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert [m.id for m in messages] == [kept.id] and messages[0].sent_at is not None


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Broker:
    """The app's Celery pointed at a Redis that is not there (nothing listens on the port), then back."""

    def __init__(self, app):
        self.app, self.eager = app, app.extensions["celery"]
        down = Celery("broker-down", set_as_current=False)
        url = f"redis://127.0.0.1:{_closed_port()}/0"  # broker and result backend, as with REDIS_URL
        down.conf.update({**app.config["CELERY"], "broker_url": url, "result_backend": url,
                          "broker_transport_options": {"socket_connect_timeout": 2, "socket_timeout": 5}})
        app.extensions["celery"] = down

    def back(self) -> None:
        self.app.extensions["celery"] = self.eager
        self.eager.set_default()


@pytest.fixture
def broker(app):
    broker = Broker(app)
    yield broker
    broker.back()


@pytest.fixture
def three(world):
    return [appoint(world["county"], name=name, n=n) for n, name in enumerate(["刘桂芳", "张三", "王小明"])]


def test_broker_down_during_a_submit_is_no_500_and_the_job_is_sent_later(app, pages, world, three,
                                                                          broker):
    pages.sign_in(world["county"])
    form = next(f for f in pages.get("/directory/").forms.values() if f.action.endswith("/certificates/batch"))
    started = time.monotonic()
    res = form.submit()
    elapsed = time.monotonic() - started
    assert res.status_code == 302, res.text
    page = res.follow()
    assert "后台服务暂时不可用：任务已记录，将在服务恢复后自动开始" in page.text  # flashed
    assert 'data-testid="waiting-for-broker">后台服务暂时不可用' in page.text  # and the job card says so
    assert elapsed < 10  # a dead broker costs a short timeout, not a hung request
    print(f"\nbroker down: submit answered 302 in {elapsed:.2f} s")
    job = db.session.scalar(select(Job))
    message = db.session.scalar(select(OutboxMessage))
    assert job.state is JobState.PENDING and message.job_id == job.id
    assert message.sent_at is None and "Error" in message.last_error

    broker.back()
    assert outbox.sweep(utcnow() + timedelta(minutes=1))["failed"] == 0  # the broker is back: the sweep sends
    db.session.expire_all()
    assert db.session.get(Job, job.id).state is JobState.SUCCEEDED
    assert db.session.get(OutboxMessage, message.id).started_at is not None


def test_sweep_sends_again_a_message_the_broker_lost(app, db):
    message = OutboxMessage(task_name="maintenance.ping", sent_at=utcnow() - timedelta(minutes=11), attempts=1)
    db.session.add(message)
    db.session.commit()
    assert outbox.sweep()["due"] == 1  # taken by the broker 11 minutes ago, never started: lost with it
    db.session.expire_all()
    again = db.session.get(OutboxMessage, message.id)
    assert again.started_at is not None and again.attempts == 2
    assert outbox.sweep()["due"] == 0


def test_sweep_leaves_fresh_and_started_messages(db):
    db.session.add_all([OutboxMessage(task_name="maintenance.ping", sent_at=utcnow() - timedelta(minutes=1)),
                        OutboxMessage(task_name="maintenance.ping", sent_at=utcnow() - timedelta(hours=1),
                                      started_at=utcnow() - timedelta(hours=1))])
    db.session.commit()
    assert outbox.sweep()["due"] == 0
