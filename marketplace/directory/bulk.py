"""Bulk actions on a filtered directory list (批量操作): suspend, strike off, renew, or print certificates for
many counselors at once, with one reason for all.

"谁聘任、谁负责、谁管理": only the counselors the official's own department appointed are changed; the others
in the list (appointed by departments below) are counted and left alone. The confirmation page says how many
will change; the apply step refuses if that number changed meanwhile (the list was edited), so what is
applied is what was confirmed.

Each change goes through the one lifecycle transition (services.transition): a history row and an audit
entry per counselor, plus one audit entry for the bulk job. A bulk job is all-or-nothing: the transitions
run in one transaction (a savepoint in a request, the task's transaction in the background); one refused
counselor rolls all of them back and the job is recorded as failed with the reason.

Double submits are harmless: the confirmation form carries a token that becomes the job's id, so the same
confirmation applied twice finds the job it already created. Small selections run in the request; larger
ones (more than BULK_INLINE_LIMIT) are queued through the outbox ("directory.bulk_action"), like the
certificate batch. Printing reuses the certificate batch job.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.background import enqueue_job_after_commit
from marketplace.directory import certificates, services
from marketplace.directory.models import Counselor
from marketplace.directory.search import CounselorFilters, counselor_query
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.jobs.models import Job, JobState
from marketplace.timeutil import local_today, utcnow

log = logging.getLogger(__name__)

JOB_KIND = "counselor_bulk"
TASK = "directory.bulk_action"
MAX_IDS = 1000  # rows ticked one by one (a page shows 20; the API may send more)
SAMPLE = 20  # names shown on the confirmation page

# The bulk actions and their labels; suspend, strike_off and renew are lifecycle transitions
# (services.TRANSITIONS decides from which states), print is the certificate batch.
ACTIONS: dict[str, object] = {
    "suspend": _l("暂停聘任"),
    "strike_off": _l("解聘（除名）"),
    "renew": _l("续聘"),
    "print": _l("打印聘任证书"),
}


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


@dataclass
class Selection:
    """What the official picked: the list's filters, and optionally the rows ticked on it."""

    filters: CounselorFilters = field(default_factory=CounselorFilters)
    ids: list[int] | None = None


@dataclass
class Preview:
    """What a bulk action would do: how many are selected, how many change, and why the others do not."""

    action: str
    selected: int
    changing: int
    other_department: int
    wrong_state: int
    sample: list[Counselor]

    @property
    def label(self) -> str:
        return action_label(self.action)


def _check_action(actor: User, action: str) -> None:
    if action not in ACTIONS:
        raise DomainError(_("请选择批量操作"), field="action")
    if not actor.is_official or actor.department is None or actor.level not in services.APPOINTING_LEVELS:
        raise NotAllowed(_("只有县级及以上农业农村部门可以批量变更本部门聘任的辅导员"))


def _selected(actor: User, selection: Selection) -> Select:
    query = counselor_query(actor, selection.filters)
    if selection.ids is not None:
        if len(selection.ids) > MAX_IDS:
            raise DomainError(_("一次最多勾选 %(n)d 人；更多请用“全部筛选结果”", n=MAX_IDS), field="ids")
        query = query.where(Counselor.id.in_(selection.ids or [-1]))
    return query


def _changing(actor: User, action: str, selection: Selection) -> Select:
    """The selected counselors this action changes: the actor's department's own, in a state that allows it."""
    query = _selected(actor, selection).where(Counselor.department_id == actor.department_id)
    if action == "print":
        return query.where(Counselor.status.in_(certificates.PRINTABLE))
    sources = services.TRANSITIONS[action][0]
    return query.where(Counselor.status.in_(sources))


def _count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def preview(actor: User, action: str, selection: Selection) -> Preview:
    """The confirmation page's figures (reads only)."""
    _check_action(actor, action)
    selected = _selected(actor, selection)
    total = _count(selected)
    own = _count(selected.where(Counselor.department_id == actor.department_id))
    changing = _changing(actor, action, selection)
    count = _count(changing)
    return Preview(action=action, selected=total, changing=count, other_department=total - own,
                   wrong_state=own - count, sample=list(db.session.scalars(changing.limit(SAMPLE))))


def new_token() -> str:
    return str(uuid.uuid4())


def _valid_token(token: str) -> str:
    try:
        return str(uuid.UUID(str(token)))
    except (ValueError, TypeError, AttributeError):
        raise DomainError(_("确认信息无效，请返回名录重新操作"), field="token") from None


def apply(actor: User, action: str, selection: Selection, reason: str, token: str, expected: int,
          term_end: date | None = None, fmt: str = "pdf") -> Job:
    """Apply a confirmed bulk action; returns its job (the same job again for the same token). Flushes, never
    commits; a small job has run when this returns, a large one is queued for after the commit."""
    _check_action(actor, action)
    token = _valid_token(token)
    existing = db.session.get(Job, token)
    if existing is not None:
        if existing.actor_id != actor.id:
            raise Conflict(_("确认信息无效，请返回名录重新操作"))
        return existing  # a double submit: the job it already started
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写原因（将记入每名辅导员的变更记录）"), field="reason")
    if len(reason) > 500:
        raise DomainError(_("原因不超过 500 字"), field="reason")
    if action == "renew" and term_end is not None and term_end <= local_today():
        raise DomainError(_("新聘期须在今天之后结束"), field="term_end")
    ids = list(db.session.scalars(_changing(actor, action, selection).with_only_columns(Counselor.id)))
    if len(ids) != expected:
        raise Conflict(_("名单已有变化：现在有 %(now)d 人将被变更（确认时为 %(then)d 人），未作任何变更，"
                         "请重新确认", now=len(ids), then=expected))
    if not ids:
        raise DomainError(_("没有可变更的辅导员"))
    if action == "print":
        filters = CounselorFilters(ids=ids, sort=selection.filters.sort)
        job = certificates.start_batch(actor, filters, fmt, job_id=token, reason=reason)
        return job
    params = {"action": action, "reason": reason, "ids": ids,
              "term_end": term_end.isoformat() if term_end else None}
    job = Job(id=token, kind=JOB_KIND, actor_id=actor.id, region_code=actor.department.region_code,
              total=len(ids), processed=0, state=JobState.PENDING, params=params)
    db.session.add(job)
    db.session.flush()
    record(actor, "counselor.bulk", job, region_code=job.region_code, bulk_action=action, total=len(ids),
           reason=reason, filters=certificates.filters_to_params(selection.filters))
    if len(ids) > current_app.config["BULK_INLINE_LIMIT"]:
        enqueue_job_after_commit(TASK, job)
    else:
        job.state = JobState.RUNNING
        run(job)
    return job


def run(job: Job, progress: Callable[[], None] = lambda: None) -> Job:
    """Apply the job's transitions all together or not at all (a savepoint); records the outcome on the job."""
    actor = job.actor
    params = job.params
    term_end = date.fromisoformat(params["term_end"]) if params.get("term_end") else None
    failure: str | None = None
    savepoint = db.session.begin_nested()
    try:
        counselors = {c.id: c for c in db.session.scalars(select(Counselor).where(
            Counselor.id.in_(params["ids"])))}
        for position, counselor_id in enumerate(params["ids"], 1):
            counselor = counselors.get(counselor_id)
            if counselor is None:
                raise DomainError(_("有辅导员记录已被删除"))
            try:
                services.transition(counselor, params["action"], actor, params["reason"], term_end)
            except DomainError as error:
                raise DomainError(_("%(name)s（%(no)s）：%(message)s", name=counselor.name,
                                    no=counselor.certificate_no, message=error.message)) from error
            if position % 100 == 0:
                job.heartbeat_at = utcnow()
        savepoint.commit()
    except DomainError as error:
        savepoint.rollback()
        failure = error.message
    job = db.session.get(Job, job.id)
    job.finished_at = job.heartbeat_at = utcnow()
    if failure is None:
        job.state, job.processed, job.errors = JobState.SUCCEEDED, job.total, []
        job.summary = {"changed": job.total}
    else:
        message = _("未作任何变更：%(reason)s", reason=failure)
        job.state, job.processed = JobState.FAILED, 0
        job.errors = [{"row": None, "column": None, "message": message}]
        job.summary = {"message": message}
    db.session.flush()
    progress()
    return job


def status(job: Job) -> dict:
    """The job's progress, as the job card and the API read it."""
    done = job.state is JobState.SUCCEEDED
    return {"job_id": job.id, "state": job.state.value, "processed": job.processed, "total": job.total,
            "percent": 100 if done else int(job.processed * 100 / job.total) if job.total else 0,
            "errors": job.errors or [], "action": job.params.get("action"),
            "reason": job.params.get("reason"), "term_end": job.params.get("term_end")}
