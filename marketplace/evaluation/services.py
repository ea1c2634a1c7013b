"""Running evaluations: the scheme in force, indicators from what the platform recorded, results upserted by a
background job, adjustments with reasons, and the proposals results make (调出 for a counselor 不合格 at term
end; warning, rectification or de-listing for a center). The department acts on a proposal through the existing
directory and centers transitions; nothing here changes a counselor's or center's status."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from marketplace.accounts.models import Role, User
from marketplace.agreements.models import Agreement, AgreementItem, ItemResult, ServiceRecord
from marketplace.audit.services import record
from marketplace.background import enqueue_job_after_commit
from marketplace.centers.models import CenterStatus, ServiceCenter
from marketplace.directory.models import Counselor, CounselorStatus
from marketplace.directory.services import APPOINTING_LEVELS
from marketplace.entities.models import ModelLevel
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.evaluation import scoring
from marketplace.evaluation.models import (
    CenterEvaluation,
    CounselorEvaluation,
    EntityImprovement,
    EvaluationKind,
    EvaluationScheme,
    Grade,
    Proposal,
)
from marketplace.extensions import db
from marketplace.jobs.models import Job, JobState
from marketplace.jurisdiction import in_jurisdiction, region_in_jurisdiction
from marketplace.needs.models import Invitation, InvitationStatus
from marketplace.regions.models import ROOT_CODE, Level, Region
from marketplace.timeutil import LOCAL_ZONE, local_today, utcnow

log = logging.getLogger(__name__)

JOB_KIND = "evaluation"
CHUNK = 200
SUBJECTS = ("counselor", "center")
EVALUATED_CENTER_STATUSES = (CenterStatus.FILED, CenterStatus.WARNED, CenterStatus.RECTIFYING)

GRADE_LABELS = {Grade.EXCELLENT: _l("优秀"), Grade.QUALIFIED: _l("合格"), Grade.BASIC: _l("基本合格"),
                Grade.UNQUALIFIED: _l("不合格")}
KIND_LABELS = {EvaluationKind.ANNUAL: _l("年度评价"), EvaluationKind.TERM_END: _l("聘期届满评价")}
PROPOSAL_LABELS = {Proposal.TRANSFER_OUT: _l("建议调出"), Proposal.WARN: _l("建议警示"),
                   Proposal.RECTIFY: _l("建议责令整改"), Proposal.DELIST: _l("建议摘牌")}
GROUP_LABELS = {"quantity": _l("服务数量"), "quality": _l("服务对象质量提升"), "satisfaction": _l("主体满意度"),
                "service": _l("服务质量"), "standard": _l("规范运营"), "training": _l("岗位培训")}
INDICATOR_LABELS = {
    "needs_taken": _l("承接需求数"), "agreements_accepted": _l("通过验收的协议数"),
    "service_records": _l("服务记录数"), "entities_served": _l("服务主体数"),
    "quality_mean": _l("质量提升得分"), "improvement_recorded": _l("有提升记录的主体数"),
    "improved": _l("有提升的主体数"), "satisfaction_mean": _l("平均满意度"), "satisfaction_count": _l("评价次数"),
    "items_pass_rate": _l("验收项目通过率"), "documents": _l("在案制度文件数"),
    "records_share": _l("有服务记录的协议占比"), "training_hours": _l("年度培训学时"),
}


def grade_label(grade: Grade | str | None) -> str:
    if grade is None:
        return ""
    return str(GRADE_LABELS[Grade(grade) if isinstance(grade, str) else grade])


# --- schemes ---------------------------------------------------------------------------------------------------

def province_code(region_code: str) -> str:
    return region_code[:2] + "0000"


def scheme_for(region_code: str | None) -> tuple[dict, dict, dict, str | None]:
    """(weights, thresholds, full marks, where from) in force for a region: its province's scheme, else the
    national default stored by the national department, else the built-in default."""
    codes = [province_code(region_code), ROOT_CODE] if region_code and region_code != ROOT_CODE \
        else [ROOT_CODE]
    schemes = {s.region_code: s for s in db.session.scalars(
        select(EvaluationScheme).where(EvaluationScheme.region_code.in_(codes)))}
    for code in codes:
        scheme = schemes.get(code)
        if scheme is not None:
            weights = {subject: {**scoring.DEFAULT_WEIGHTS[subject], **scheme.weights.get(subject, {})}
                       for subject in scoring.DEFAULT_WEIGHTS}
            return (weights, {**scoring.DEFAULT_THRESHOLDS, **scheme.thresholds},
                    {**scoring.DEFAULT_FULL_MARKS, **(scheme.full_marks or {})}, code)
    return scoring.DEFAULT_WEIGHTS, scoring.DEFAULT_THRESHOLDS, scoring.DEFAULT_FULL_MARKS, None


def scheme_region_for(actor: User) -> str:
    """The scheme an official may set: national officials the default, province officials their province."""
    if not actor.is_official or actor.department is None or actor.level not in (Level.NATIONAL, Level.PROVINCE):
        raise NotAllowed(_("只有国家级和省级管理员可以设置评价方案"))
    return actor.department.region_code


def save_scheme(actor: User, weights: dict, thresholds: dict, full_marks: dict) -> EvaluationScheme:
    """Store the actor's scheme (province or national default); a refused scheme changes nothing."""
    code = scheme_region_for(actor)
    problems = scoring.check_scheme(weights, thresholds)
    if problems:
        field = next(iter(problems))
        message = _("各项权重不能为负数，且合计须大于 0") if field.startswith("weights") else \
            _("等级分数线须在 0–100 之间") if problems[field] == "range" else \
            _("等级分数线须依次降低：优秀 > 合格 > 基本合格")
        raise DomainError(message, field=field)
    if any(float(v) <= 0 for v in full_marks.values()):
        raise DomainError(_("满分标准须大于 0"), field="full_marks")
    scheme = db.session.scalar(select(EvaluationScheme).where(EvaluationScheme.region_code == code))
    if scheme is None:
        scheme = EvaluationScheme(region_code=code)
        db.session.add(scheme)
    scheme.weights, scheme.thresholds, scheme.full_marks = weights, thresholds, full_marks
    scheme.updated_by_id = actor.id
    db.session.flush()
    record(actor, "evaluation.scheme", scheme, region_code=code, weights=weights, thresholds=thresholds,
           full_marks=full_marks)
    return scheme


# --- entity improvements ---------------------------------------------------------------------------------------

def record_improvement(actor: User, entity_id: int, year: int, values: dict[str, Any]) -> EntityImprovement:
    """Store (or replace) the department's before/after record of an entity for a year."""
    from marketplace.entities.models import Entity

    entity = db.session.get(Entity, entity_id)
    if entity is None or not actor.is_official or not region_in_jurisdiction(entity.region_code, actor):
        raise NotAllowed(_("只能记录本辖区经营主体的质量提升情况"))
    row = db.session.scalar(select(EntityImprovement).where(EntityImprovement.entity_id == entity_id,
                                                            EntityImprovement.year == year))
    if row is None:
        row = EntityImprovement(entity_id=entity_id, year=year, region_code=entity.region_code)
        db.session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.recorded_by_id = actor.id
    db.session.flush()
    record(actor, "evaluation.improvement", row, entity_id=entity_id, year=year)
    return row


def _improvement(row: EntityImprovement) -> scoring.Improvement:
    def num(value):
        return None if value is None else float(value)

    def level(value: ModelLevel | None):
        return value.value if value is not None else None

    return scoring.Improvement(level(row.model_level_before), level(row.model_level_after),
                               num(row.checklist_before), num(row.checklist_after), num(row.revenue_before),
                               num(row.revenue_after), num(row.members_before), num(row.members_after))


# --- indicators ------------------------------------------------------------------------------------------------

def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year as calendar days in China."""
    return (datetime.combine(date(year, 1, 1), time(), tzinfo=LOCAL_ZONE),
            datetime.combine(date(year + 1, 1, 1), time(), tzinfo=LOCAL_ZONE))


def _in_year(column, year: int):
    start, end = year_bounds(year)
    return and_(column >= start, column < end)


def _counts(column, ids: list[int], *where) -> dict[int, int]:
    rows = db.session.execute(select(column, func.count()).where(column.in_(ids), *where).group_by(column))
    return {key: count for key, count in rows}


def _satisfaction(column, ids: list[int], year: int) -> dict[int, tuple[float, int]]:
    rows = db.session.execute(
        select(column, func.avg(Agreement.satisfaction), func.count(Agreement.satisfaction))
        .where(column.in_(ids), Agreement.satisfaction.is_not(None), _in_year(Agreement.rated_at, year))
        .group_by(column))
    return {key: (round(float(mean), 2), count) for key, mean, count in rows}


def counselor_indicators(ids: list[int], year: int) -> dict[int, dict[str, Any]]:
    """The recorded indicators of each counselor for a year (batched: a few grouped queries per call)."""
    needs = _counts(Invitation.counselor_id, ids, Invitation.status == InvitationStatus.ACCEPTED,
                    _in_year(Invitation.answered_at, year))
    accepted = _counts(Agreement.counselor_id, ids, _in_year(Agreement.accepted_at, year))
    records = dict(db.session.execute(
        select(Agreement.counselor_id, func.count(ServiceRecord.id)).join(ServiceRecord.agreement)
        .where(Agreement.counselor_id.in_(ids), ServiceRecord.served_on >= date(year, 1, 1),
               ServiceRecord.served_on < date(year + 1, 1, 1)).group_by(Agreement.counselor_id)).all())
    served: dict[int, set[int]] = defaultdict(set)
    for counselor_id, entity_id in db.session.execute(
            select(Agreement.counselor_id, Agreement.entity_id).distinct()
            .where(Agreement.counselor_id.in_(ids), _in_year(Agreement.signed_at, year))):
        served[counselor_id].add(entity_id)
    entity_ids = {e for entities in served.values() for e in entities}
    improvements = {row.entity_id: _improvement(row) for row in db.session.scalars(
        select(EntityImprovement).where(EntityImprovement.entity_id.in_(entity_ids),
                                        EntityImprovement.year == year))} if entity_ids else {}
    satisfaction = _satisfaction(Agreement.counselor_id, ids, year)
    from marketplace.training.services import hours_by_year

    hours = hours_by_year(ids, year)
    result = {}
    for counselor_id in ids:
        quality, recorded, improved = scoring.quality_score(
            [improvements[e] for e in sorted(served.get(counselor_id, ())) if e in improvements])
        mean, count = satisfaction.get(counselor_id, (None, 0))
        result[counselor_id] = {
            "needs_taken": needs.get(counselor_id, 0), "agreements_accepted": accepted.get(counselor_id, 0),
            "service_records": records.get(counselor_id, 0), "entities_served": len(served.get(counselor_id, ())),
            "quality_mean": quality, "improvement_recorded": recorded, "improved": improved,
            "satisfaction_mean": mean, "satisfaction_count": count,
            "training_hours": float(hours.get(counselor_id, 0)),
        }
    return result


def center_indicators(ids: list[int], year: int) -> dict[int, dict[str, Any]]:
    """A center's indicators for a year: accepted agreements, items passed, rules on file, traced records,
    satisfaction."""
    from marketplace.centers.models import CenterDocument

    accepted_ids: dict[int, list[int]] = defaultdict(list)
    for center_id, agreement_id in db.session.execute(
            select(Agreement.center_id, Agreement.id).where(Agreement.center_id.in_(ids),
                                                            _in_year(Agreement.accepted_at, year))):
        accepted_ids[center_id].append(agreement_id)
    all_accepted = [a for agreements in accepted_ids.values() for a in agreements]
    items: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    with_records: set[int] = set()
    if all_accepted:
        for center_id, result, count in db.session.execute(
                select(Agreement.center_id, AgreementItem.result, func.count()).join(AgreementItem.agreement)
                .where(Agreement.id.in_(all_accepted), AgreementItem.result != ItemResult.PENDING)
                .group_by(Agreement.center_id, AgreementItem.result)):
            items[center_id][0 if result is ItemResult.PASSED else 1] += count
        with_records = set(db.session.scalars(select(ServiceRecord.agreement_id).distinct()
                                              .where(ServiceRecord.agreement_id.in_(all_accepted))))
    documents = dict(db.session.execute(
        select(CenterDocument.center_id, func.count(func.distinct(CenterDocument.kind)))
        .where(CenterDocument.center_id.in_(ids)).group_by(CenterDocument.center_id)).all())
    satisfaction = _satisfaction(Agreement.center_id, ids, year)
    result = {}
    for center_id in ids:
        agreements = accepted_ids.get(center_id, [])
        passed, failed = items.get(center_id, (0, 0))
        mean, count = satisfaction.get(center_id, (None, 0))
        result[center_id] = {
            "agreements_accepted": len(agreements),
            "items_pass_rate": round(passed / (passed + failed), 4) if passed + failed else 0.0,
            "documents": documents.get(center_id, 0),
            "records_share": round(sum(1 for a in agreements if a in with_records) / len(agreements), 4)
            if agreements else 0.0,
            "satisfaction_mean": mean, "satisfaction_count": count,
        }
    return result


# --- running ---------------------------------------------------------------------------------------------------

def can_evaluate(actor: User, subject: str) -> bool:
    """Counselors: the appointing departments (county and above). Centers: county and above, for the centers
    in their jurisdiction."""
    return bool(actor.is_authenticated and actor.is_official and actor.department is not None
                and actor.level in APPOINTING_LEVELS and subject in SUBJECTS)


def subjects_query(actor: User, subject: str, year: int, kind: EvaluationKind):
    if subject == "counselor":
        query = select(Counselor.id).where(Counselor.department_id == actor.department_id)
        if kind is EvaluationKind.TERM_END:
            return query.where(Counselor.term_end >= date(year, 1, 1), Counselor.term_end < date(year + 1, 1, 1),
                               Counselor.status.in_([CounselorStatus.APPOINTED, CounselorStatus.SUSPENDED,
                                                     CounselorStatus.EXPIRED])).order_by(Counselor.id)
        # Annual: those in post during the year (appointed by its last day, term not over before its first), so a
        # counselor appointed after the period is not graded 0.00 不合格 on a year they never served.
        return query.where(Counselor.status.in_([CounselorStatus.APPOINTED, CounselorStatus.SUSPENDED]),
                           Counselor.appointed_on <= date(year, 12, 31),
                           Counselor.term_end >= date(year, 1, 1)).order_by(Counselor.id)
    return select(ServiceCenter.id).where(in_jurisdiction(ServiceCenter.region_code, actor),
                                          ServiceCenter.status.in_(EVALUATED_CENTER_STATUSES)).order_by(ServiceCenter.id)


def start_evaluation(actor: User, subject: str, year: int, kind: EvaluationKind = EvaluationKind.ANNUAL) -> Job:
    """Queue the department's evaluation of its counselors (or centers) for a year; the task does the work."""
    if not can_evaluate(actor, subject):
        raise NotAllowed(_("只有县级及以上农业农村部门可以开展绩效评价"))
    if subject == "center" and kind is not EvaluationKind.ANNUAL:
        raise DomainError(_("服务中心只开展年度评价"), field="kind")
    if year < 2000 or year > local_today().year:
        raise DomainError(_("评价年度无效"), field="year")
    total = db.session.scalar(select(func.count()).select_from(
        subjects_query(actor, subject, year, kind).order_by(None).subquery()))
    if not total:
        raise DomainError(_("没有需要评价的辅导员") if subject == "counselor" else _("辖区内没有已备案的服务中心"))
    job = Job(kind=JOB_KIND, actor_id=actor.id, region_code=actor.department.region_code, total=total,
              state=JobState.PENDING, params={"subject": subject, "year": year, "kind": kind.value})
    db.session.add(job)
    db.session.flush()
    record(actor, "evaluation.run", job, region_code=job.region_code, subject=subject, year=year, kind=kind.value)
    enqueue_job_after_commit("evaluation.run", job)
    return job


def run_evaluation(job: Job, progress: Callable[[], None] = lambda: None) -> Job:
    """The task's work: compute and upsert every subject's result, reporting progress after each chunk.
    Rerunning is idempotent: the same rows are updated in place and adjustments are kept."""
    actor = job.actor
    if actor is None or not actor.is_enabled:
        raise NotAllowed(_("发起评价的账户已停用"))
    subject, year = job.params["subject"], int(job.params["year"])
    kind = EvaluationKind(job.params.get("kind", "annual"))
    ids = list(db.session.scalars(subjects_query(actor, subject, year, kind)))
    job.state, job.total, job.processed, job.errors, job.heartbeat_at = JobState.RUNNING, len(ids), 0, [], utcnow()
    progress()
    grades: dict[str, int] = defaultdict(int)
    proposals = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        if subject == "counselor":
            results = evaluate_counselors(chunk, year, kind, job.id)
        else:
            results = evaluate_centers(chunk, year, job.id)
        for result in results:
            grades[result.grade.value] += 1
            proposals += result.proposal is not None
        job.processed += len(chunk)
        job.heartbeat_at = utcnow()
        progress()
    job.state, job.finished_at = JobState.SUCCEEDED, utcnow()
    job.summary = {"grades": dict(grades), "proposals": proposals}
    return job


def _upsert(model, key: dict, values: dict):
    row = db.session.scalar(select(model).filter_by(**key))
    if row is None:
        row = model(**key)
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    return row


def evaluate_counselors(ids: list[int], year: int, kind: EvaluationKind, job_id: str | None = None
                        ) -> list[CounselorEvaluation]:
    """Compute and store the results of these counselors (an adjustment already made is kept)."""
    indicators = counselor_indicators(ids, year)
    counselors = {c.id: c for c in db.session.scalars(select(Counselor).where(Counselor.id.in_(ids)))}
    existing = {e.counselor_id: e for e in db.session.scalars(select(CounselorEvaluation).where(
        CounselorEvaluation.counselor_id.in_(ids), CounselorEvaluation.year == year,
        CounselorEvaluation.kind == kind))}
    schemes: dict[str, tuple] = {}
    results = []
    for counselor_id in ids:
        counselor = counselors[counselor_id]
        code = province_code(counselor.department_region_code)
        if code not in schemes:
            schemes[code] = scheme_for(counselor.department_region_code)
        weights, thresholds, full_marks, source = schemes[code]
        values = indicators[counselor_id]
        scores = scoring.counselor_scores(values, full_marks)
        if not weights["counselor"].get("training"):
            scores.pop("training", None)  # not weighted in this province: not shown as a group
        score = scoring.total_score(scores, weights["counselor"])
        row = existing.get(counselor_id)
        if row is None:
            row = CounselorEvaluation(counselor_id=counselor_id, year=year, kind=kind)
            db.session.add(row)
        row.department_region_code = counselor.department_region_code
        row.counselor_user_id = counselor.user_id
        row.indicators, row.scores, row.score = values, scores, score
        row.computed_grade = Grade(scoring.grade_for(score, thresholds))
        row.scheme_region_code, row.computed_at, row.job_id = source, utcnow(), job_id
        _propose_transfer(row, counselor)
        results.append(row)
    db.session.flush()
    return results


def _propose_transfer(row: CounselorEvaluation, counselor: Counselor) -> None:
    """A term-end result of 不合格 proposes 调出 and tells the appointing department (once)."""
    wanted = Proposal.TRANSFER_OUT if row.kind is EvaluationKind.TERM_END and row.grade is Grade.UNQUALIFIED \
        else None
    if wanted is row.proposal:
        return
    row.proposal = wanted
    if wanted is None:
        return
    from marketplace.notifications.services import notify

    for official in department_officials(counselor.department_id):
        notify(official, _("辅导员“%(name)s”聘期届满评价为不合格，建议调出", name=counselor.name),
               _("请核实后在辅导员名录中办理调出（聘期届满后）。"), link=f"/directory/{counselor.id}")


def department_officials(department_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.department_id == department_id,
                                                      User.role == Role.OFFICIAL, User.is_enabled.is_(True))))


CENTER_ACTIONS = {Proposal.WARN: "warn", Proposal.RECTIFY: "rectify", Proposal.DELIST: "delist"}


def center_proposal(grade: Grade, status: CenterStatus) -> Proposal | None:
    """基本合格: a warning for a filed center; 不合格: rectification, or de-listing when already warned or
    under rectification."""
    if grade is Grade.UNQUALIFIED:
        return Proposal.DELIST if status in (CenterStatus.WARNED, CenterStatus.RECTIFYING) else Proposal.RECTIFY
    if grade is Grade.BASIC and status is CenterStatus.FILED:
        return Proposal.WARN
    return None


def evaluate_centers(ids: list[int], year: int, job_id: str | None = None) -> list[CenterEvaluation]:
    indicators = center_indicators(ids, year)
    centers = {c.id: c for c in db.session.scalars(select(ServiceCenter).where(ServiceCenter.id.in_(ids)))}
    existing = {e.center_id: e for e in db.session.scalars(select(CenterEvaluation).where(
        CenterEvaluation.center_id.in_(ids), CenterEvaluation.year == year,
        CenterEvaluation.kind == EvaluationKind.ANNUAL))}
    results = []
    for center_id in ids:
        center = centers[center_id]
        weights, thresholds, full_marks, source = scheme_for(center.region_code)
        values = indicators[center_id]
        scores = scoring.center_scores(values, full_marks)
        score = scoring.total_score(scores, weights["center"])
        row = existing.get(center_id)
        if row is None:
            row = CenterEvaluation(center_id=center_id, year=year, kind=EvaluationKind.ANNUAL)
            db.session.add(row)
        row.region_code, row.center_owner_id = center.region_code, center.owner_id
        row.indicators, row.scores, row.score = values, scores, score
        row.computed_grade = Grade(scoring.grade_for(score, thresholds))
        row.scheme_region_code, row.computed_at, row.job_id = source, utcnow(), job_id
        row.proposal = center_proposal(row.grade, center.status)
        results.append(row)
    db.session.flush()
    return results


# --- adjustments -----------------------------------------------------------------------------------------------

def can_adjust(actor: User, result: CounselorEvaluation | CenterEvaluation) -> bool:
    if not actor.is_authenticated or not actor.is_official or actor.department is None:
        return False
    if isinstance(result, CounselorEvaluation):
        return result.counselor.department_id == actor.department_id
    return actor.level in APPOINTING_LEVELS and region_in_jurisdiction(result.region_code, actor)


def adjust(actor: User, result: CounselorEvaluation | CenterEvaluation, grade: Grade | None, reason: str) -> None:
    """Set (or clear, with `grade` None) the department's grade with a written reason. The computed grade stays
    beside it; every adjustment is in the audit log; a rerun keeps it."""
    if not can_adjust(actor, result):
        raise NotAllowed(_("只有开展评价的部门可以调整评价结果"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("调整评价结果须填写理由"), field="reason")
    if grade is not None and grade is result.adjusted_grade:
        raise Conflict(_("评价结果已是“%(grade)s”", grade=grade_label(grade)))
    before = result.grade
    result.adjusted_grade = grade
    result.adjust_reason, result.adjusted_by_id, result.adjusted_at = reason, actor.id, utcnow()
    if isinstance(result, CounselorEvaluation):
        _propose_transfer(result, result.counselor)
    else:
        result.proposal = center_proposal(result.grade, result.center.status)
    db.session.flush()
    record(actor, "evaluation.adjust", result, region_code=getattr(result, "department_region_code", None)
           or getattr(result, "region_code", None), before=before.value, after=result.grade.value,
           computed=result.computed_grade.value, reason=reason)


# --- reading ---------------------------------------------------------------------------------------------------

def latest_grade(kind: str, ids: Iterable[int] | None = None) -> dict[int, str]:
    """The grade in force (adjusted, else computed) of each counselor (`kind` "counselor") or center ("center")
    from its latest year's result; ids without a result are absent. `ids=None` reads every subject at once
    (the matching ranker's candidate pool)."""
    model, column = (CounselorEvaluation, CounselorEvaluation.counselor_id) if kind == "counselor" else \
        (CenterEvaluation, CenterEvaluation.center_id)
    query = select(column, model.year, model.computed_at, model.computed_grade, model.adjusted_grade)
    if ids is not None:
        ids = list(ids)
        if not ids:
            return {}
        query = query.where(column.in_(ids))
    best: dict[int, tuple] = {}
    for subject_id, year, computed_at, computed, adjusted in db.session.execute(query):
        key = (year, computed_at)
        if subject_id not in best or key > best[subject_id][0]:
            best[subject_id] = (key, (adjusted or computed).value)
    return {subject_id: grade for subject_id, (_key, grade) in best.items()}


def counselor_results(counselor_id: int) -> list[CounselorEvaluation]:
    return list(db.session.scalars(select(CounselorEvaluation).where(CounselorEvaluation.counselor_id == counselor_id)
                                   .order_by(CounselorEvaluation.year.desc(), CounselorEvaluation.kind)))


def center_results(center_id: int) -> list[CenterEvaluation]:
    return list(db.session.scalars(select(CenterEvaluation).where(CenterEvaluation.center_id == center_id)
                                   .order_by(CenterEvaluation.year.desc())))


def pending_transfer(counselor: Counselor) -> CounselorEvaluation | None:
    """The term-end result proposing 调出 that the department has not acted on yet."""
    if counselor.status is CounselorStatus.TRANSFERRED_OUT:
        return None
    return db.session.scalar(select(CounselorEvaluation).where(
        CounselorEvaluation.counselor_id == counselor.id, CounselorEvaluation.proposal == Proposal.TRANSFER_OUT)
        .order_by(CounselorEvaluation.year.desc()).limit(1))


def region_name(code: str) -> str:
    region = db.session.get(Region, code)
    return region.name if region else code
