"""Imports and appointments at the same time never clash (issue 13): certificate numbers come from a counter row
per department and year (marketplace/numbering.py) and one department runs one import at a time (an advisory
lock; the second waits and then sees the first's rows). Real concurrent transactions need PostgreSQL: skipped
on a developer machine without it, required in CI (the PostgreSQL pass)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.directory import imports, services
from marketplace.directory.models import Counselor
from marketplace.extensions import db
from marketplace.imports.jobs import run_import
from marketplace.jobs.models import Job, JobState
from tests.conftest import require_postgres_session
from tests.marketplace.directory.conftest import counselor_input
from tests.marketplace.directory.test_imports import row, xlsx

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres():
    require_postgres_session()


def at_once(app, actions: list) -> list[str]:
    """Run each action in its own thread, app context, session and transaction, released together."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = [""] * len(actions)

    def run(index, action):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                outcomes[index] = action()
                db.session.commit()
            except Exception as error:  # recorded for the assertion, never swallowed silently
                db.session.rollback()
                outcomes[index] = f"{type(error).__name__}: {getattr(error, 'message', error)}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    db.session.expire_all()
    return outcomes


def pending_job(actor, tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    job = Job(kind=imports.JOB_KIND, state=JobState.PENDING, actor_id=actor.id, region_code="130123",
              input_path=str(path))
    db.session.add(job)
    db.session.commit()
    return job.id


def running(job_id: str):
    def action():
        job = run_import(db.session.get(Job, job_id))
        return f"{job.state.value} {job.summary.get('created', 0)} {job.summary.get('unchanged', 0)} " \
               f"{(job.errors or [{}])[0].get('message', '')}".strip()
    return action


def certificate_numbers() -> list[str]:
    return list(db.session.scalars(select(Counselor.certificate_no).order_by(Counselor.certificate_no)))


def test_two_different_imports_and_an_appointment_by_one_department_at_once(app, world, tmp_path):
    county = world["county"]
    first = pending_job(county, tmp_path, "a.xlsx", xlsx([row(n) for n in range(1, 401)]))
    second = pending_job(county, tmp_path, "b.xlsx", xlsx([row(n) for n in range(401, 801)]))
    county_id = county.id

    def appoint():
        services.appoint_counselor(db.session.get(User, county_id), counselor_input(9001))
        return "appointed"

    outcomes = at_once(app, [running(first), running(second), appoint])
    assert outcomes[0] == "succeeded 400 0" and outcomes[1] == "succeeded 400 0" and outcomes[2] == "appointed", \
        outcomes
    numbers = certificate_numbers()
    assert len(numbers) == len(set(numbers)) == 801
    by_year = {}
    for number in numbers:
        prefix, sequence = number.rsplit("-", 1)
        by_year.setdefault(prefix, []).append(int(sequence))
    assert all(sorted(s) == list(range(1, len(s) + 1)) for s in by_year.values())  # dense, no gaps


def test_the_same_large_file_imported_twice_at_once(app, world, tmp_path):
    county = world["county"]
    data = xlsx([row(n) for n in range(1, 2001)])
    jobs = [pending_job(county, tmp_path, f"{i}.xlsx", data) for i in range(2)]
    outcomes = at_once(app, [running(j) for j in jobs])
    assert sorted(outcomes) == ["succeeded 0 2000", "succeeded 2000 0"], outcomes  # one creates, one finds them
    assert db.session.scalar(select(func.count()).select_from(Counselor)) == 2000
    assert len(set(certificate_numbers())) == 2000


def test_a_second_import_waits_only_so_long_then_is_refused_clearly(app, world, tmp_path, monkeypatch):
    from datetime import timedelta

    from marketplace.imports import jobs as import_jobs

    county = world["county"]
    first = pending_job(county, tmp_path, "a.xlsx", xlsx([row(n) for n in range(1, 3)]))
    second = pending_job(county, tmp_path, "b.xlsx", xlsx([row(n) for n in range(3, 5)]))
    release = threading.Event()
    original = import_jobs.Progress.__call__

    def slow(self, phase, done, total):  # the first import holds the department's lock until released
        if self.job_id == first:
            release.wait(timeout=60)
        return original(self, phase, done, total)

    monkeypatch.setattr(import_jobs.Progress, "__call__", slow)
    app.config["IMPORT_LOCK_WAIT"] = timedelta(seconds=2)
    monkeypatch.setattr(import_jobs, "LOCK_POLL_SECONDS", 0.2)
    try:
        def second_after_first_started():
            import time

            time.sleep(1)
            outcome = running(second)()
            release.set()
            return outcome

        outcomes = at_once(app, [running(first), second_after_first_started])
    finally:
        app.config["IMPORT_LOCK_WAIT"] = timedelta(minutes=3)
    assert outcomes[0] == "succeeded 2 0"
    assert outcomes[1] == "failed 0 0 本部门的另一项导入仍在进行，本次未写入任何数据，请等它完成后重新上传"
    assert db.session.scalar(select(func.count()).select_from(Counselor)) == 2


def test_two_saves_of_one_record_at_the_same_moment_make_one_change(app, world, monkeypatch):
    import marketplace.directory.yearly as yearly

    monkeypatch.setattr(yearly, "in_window", lambda today: True)
    county = world["county"]
    counselor = services.appoint_counselor(county, counselor_input(1))
    db.session.commit()
    ids = (counselor.id, county.id)

    def save(name):
        def action():
            record = db.session.get(Counselor, ids[0])  # both read version 1, as both edit pages showed
            services.update_counselor(db.session.get(User, ids[1]), record, counselor_input(1, name=name),
                                      lock_version=1)
            return "saved"
        return action

    outcomes = at_once(app, [save("甲"), save("乙")])
    assert sorted(outcomes) == ["StaleRecord: 该记录已被他人修改，请刷新后再改", "saved"], outcomes
    record = db.session.get(Counselor, ids[0])
    assert record.lock_version == 2 and record.name == ("甲" if outcomes[0] == "saved" else "乙")
