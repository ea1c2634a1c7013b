"""Import jobs: saving the upload, running it in the background with progress, all-or-nothing, the reaper."""

from __future__ import annotations

import gc
import logging
import time
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.imports.reader import SNIFF_BYTES, ImportFileError, Outcome, check_upload
from marketplace.imports.spec import ImportKind, all_kinds, kind_of
from marketplace.jobs.models import Job, JobState
from marketplace.jobs.services import RECOVERY, delete_upload
from marketplace.outbox.services import enqueue
from marketplace.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)


def imports_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_import(kind: ImportKind, actor, stream, content_length: int | None = None) -> Job:
    """Save the upload as instance/imports/<job id>.<xlsx|xls|csv> (the format from its content) and create a
    pending job; the caller commits and the task is queued after the commit. Who may not import, and wrong
    files, are refused here, before anything is queued."""
    from marketplace.background import enqueue_job_after_commit

    department = kind.department(actor)
    limit = current_app.config["IMPORT_MAX_BYTES"]
    if content_length is not None and content_length > limit:
        check_upload(b"", content_length)
    job_id = str(uuid.uuid4())
    try:
        path = imports_dir() / f"{job_id}.upload"
        size, head = _save_upload(stream, path, limit)
    except OSError as error:  # an unwritable or full instance folder: say so, keep nothing
        log.error("cannot save upload %s: %s", job_id, error)
        if "path" in locals():
            path.unlink(missing_ok=True)
        raise DomainError(_("服务器暂时无法保存上传的文件（存储目录不可写或空间已满），未导入任何数据，"
                            "请稍后再试或联系管理员"), field="file") from error
    try:
        fmt = check_upload(head, size)
    except ImportFileError:
        path.unlink(missing_ok=True)
        raise
    path = path.rename(path.with_suffix(f".{fmt}"))
    job = Job(id=job_id, kind=kind.job_kind, state=JobState.PENDING, actor_id=actor.id,
              region_code=department.region_code, input_path=str(path), params={"size": size})
    db.session.add(job)
    db.session.flush()
    enqueue_job_after_commit(RECOVERY[kind.job_kind].task, job)
    return job


def _save_upload(stream, path: Path, limit: int) -> tuple[int, bytes]:
    size, head = 0, b""
    with path.open("wb") as out:
        while chunk := stream.read(1024 * 1024):
            if len(head) < SNIFF_BYTES:
                head += chunk[:SNIFF_BYTES - len(head)]
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    return size, head


class Progress:
    """Job progress written outside the import's transaction (its own connection), so the page sees it while
    the rows are still uncommitted. SQLite allows one writer, so there progress waits for phases.
    Called with (phase, done, total): "validate" fills the first half of the bar, "write" the second."""

    def __init__(self, job: Job):
        self.job_id = job.id
        self.separate = db.session.get_bind().dialect.name != "sqlite"
        self.phases: list[dict] = []  # [{"name", "seconds"}], in order: the job's summary["phases"]
        self.pool: dict = {}  # how the rows were checked (marketplace/imports/pool.py): workers, fallback

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time one phase of the job (read_check, encrypt, numbers, copy, analyze, ...) for its summary; a
        phase that recurs (one per chunk) adds up in one entry."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add_phase(name, time.perf_counter() - started)

    def add_phase(self, name: str, seconds: float, first: bool = False) -> None:
        """Add `seconds` to the phase `name` (a new entry at the end, or after the fixed ones if `first`)."""
        for entry in self.phases:
            if entry["name"] == name:
                entry["seconds"] = round(entry["seconds"] + seconds, 3)
                return
        entry = {"name": name, "seconds": round(seconds, 3)}
        if first:
            at = next((n for n, e in enumerate(self.phases) if e["name"] not in ("queue", "lock")), len(self.phases))
            self.phases.insert(at, entry)
        else:
            self.phases.append(entry)

    def __call__(self, phase: str, done: int, total: int) -> None:
        processed = done // 2 if phase != "write" else total // 2 + done // 2
        self._write({"processed": min(processed, total), "total": total, "heartbeat_at": utcnow()})

    def beat(self) -> None:
        """Only the heartbeat (the job is alive but waiting)."""
        self._write({"heartbeat_at": utcnow()})

    def _write(self, values: dict) -> None:
        if self.separate:
            with db.engine.begin() as connection:
                connection.execute(update(Job.__table__).where(Job.__table__.c.id == self.job_id).values(**values))


YOUNG_THRESHOLD = 20_000  # allocations between young collections during an import (Python's default: 700)


@contextmanager
def collector_spared() -> Iterator[None]:
    """What the worker process holds before an import (the app, its modules, caches) is moved out of the
    garbage collector's way for the import (`gc.freeze`): a collection then walks only the objects the import
    made, a few chunks' worth, instead of the whole heap, and the young generation is collected every
    YOUNG_THRESHOLD allocations instead of 700 (the chunks' rows survive several such collections): 0.2-0.4 s →
    0.05 s of the job's process for a 30,000-row file. Collections still run, so memory stays bounded; the
    thresholds are restored and everything is collectable again afterwards."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], YOUNG_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def run_import(job: Job) -> Job:
    """The task's work: pending → running → succeeded / failed. Idempotent: a job not pending is left alone.
    The rows are written in one transaction that commits together with the job's success, or not at all."""
    claimed = db.session.execute(update(Job).where(Job.id == job.id, Job.state == JobState.PENDING).values(
        state=JobState.RUNNING, heartbeat_at=utcnow()))
    db.session.commit()
    if claimed.rowcount != 1:
        db.session.refresh(job)
        return job
    db.session.refresh(job)
    kind = kind_of(job.kind)
    progress = Progress(job)
    progress.phases.append({"name": "queue", "seconds": round(max(
        (as_utc(job.heartbeat_at) - as_utc(job.created_at)).total_seconds(), 0), 3)})  # upload → claimed
    try:
        with progress.phase("lock"):
            _wait_for_department(job, kind, progress)
        with collector_spared():
            outcome = kind.import_file(job.actor, job.input_path, progress, job)
    except DomainError as error:  # ImportFileError included: the file, or who imports, is the problem
        db.session.rollback()
        return _finish(job, JobState.FAILED, Outcome(), [{"row": None, "column": None, "message": error.message}],
                       error.message, progress)
    except IntegrityError:  # a unique key taken meanwhile by a write outside the import lock
        log.warning("import %s clashed with a concurrent write", job.id, exc_info=True)
        db.session.rollback()
        message = _("导入失败：与同时进行的其他修改冲突，未写入任何数据，请重新上传")
        return _finish(job, JobState.FAILED, Outcome(), [{"row": None, "column": None, "message": message}],
                       message, progress)
    except Exception:
        log.exception("import %s failed", job.id)
        db.session.rollback()
        message = _("导入失败：服务器内部错误，未写入任何数据")
        return _finish(job, JobState.FAILED, Outcome(), [{"row": None, "column": None, "message": message}],
                       message, progress)
    if outcome.errors:
        db.session.rollback()
        return _finish(job, JobState.FAILED, outcome, outcome.errors,
                       _("有 %(n)s 处错误，未导入任何数据", n=len(outcome.errors)), progress)
    return _finish(job, JobState.SUCCEEDED, outcome, [], None, progress)


LOCK_POLL_SECONDS = 1.0


def _wait_for_department(job: Job, kind: ImportKind, progress: Progress) -> None:
    """One import of a kind per department at a time: on PostgreSQL a transaction-scoped advisory lock on
    (kind, department), held until the job's final commit. A second import waits (its heartbeat kept fresh),
    then reads what the first one wrote (re-imported rows count as updated or unchanged), so both succeed;
    after IMPORT_LOCK_WAIT it is refused clearly. SQLite has one writer and needs no lock."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    department = kind.department(job.actor)
    key = (zlib.crc32(kind.job_kind.encode()) & 0x7FFFFFFF, department.id)
    deadline = time.monotonic() + current_app.config["IMPORT_LOCK_WAIT"].total_seconds()
    statement = text("SELECT pg_try_advisory_xact_lock(:k, :d)")
    while not db.session.execute(statement, {"k": key[0], "d": key[1]}).scalar():
        if time.monotonic() > deadline:
            raise DomainError(_("本部门的另一项导入仍在进行，本次未写入任何数据，请等它完成后重新上传"))
        progress.beat()
        time.sleep(LOCK_POLL_SECONDS)


def _finish(job: Job, state: JobState, outcome: Outcome, errors: list[dict], message: str | None,
            progress: Progress | None = None) -> Job:
    """Record the result; on success this commits the imported rows together with the job's state. The
    summary's "phases" say where the time went; the commit's own time is added by a second, small write."""
    job = db.session.get(Job, job.id)
    job.state, job.errors, job.finished_at, job.heartbeat_at = state, errors, utcnow(), utcnow()
    phases = list(progress.phases) if progress else []
    job.summary = {**outcome.summary, **({"message": str(message)} if message else {}),
                   **({"phases": phases} if phases else {}),
                   **({"pool": progress.pool} if progress and progress.pool else {})}
    job.total = outcome.total
    job.processed = outcome.total if state is JobState.SUCCEEDED else job.processed
    if state is JobState.SUCCEEDED:
        enqueue("matching.build_pool")  # imported rows reach the shared candidate pool (docs/matching.md)
    started = time.perf_counter()
    db.session.commit()
    if phases:
        job.summary = {**job.summary, "phases": [*phases, {"name": "commit",
                                                           "seconds": round(time.perf_counter() - started, 3)}]}
        db.session.commit()
    delete_upload(job)  # personal data: keep no copy of the upload
    return job


def reap_stale(now: datetime | None = None, kinds: list[str] | None = None) -> int:
    """Mark running imports whose heartbeat stopped (a killed worker) as failed; their writes were rolled
    back with the connection, so nothing was imported."""
    now = now or utcnow()
    limit = now - current_app.config["IMPORT_STALE_AFTER"]
    kinds = kinds or list(all_kinds())
    stale = db.session.scalars(select(Job).where(Job.kind.in_(kinds), Job.state == JobState.RUNNING)).all()
    count = 0
    for job in stale:
        if as_utc(job.heartbeat_at or job.created_at) < limit:
            message = _("导入中断：处理过程中断，未写入任何数据，请重新上传")
            job.state, job.finished_at = JobState.FAILED, now
            job.errors = [{"row": None, "column": None, "message": message}]
            job.summary = {**(job.summary or {}), "message": message}
            delete_upload(job)
            count += 1
    db.session.commit()
    return count


def job_json(job: Job) -> dict:
    return {"job_id": job.id, "state": job.state.value, "processed": job.processed, "total": job.total,
            "errors": job.errors or [], "summary": job.summary or {}}
