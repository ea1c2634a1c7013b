"""Evaluation pages: the scheme, running a department's evaluation, results with filters, adjustments,
entity improvement records; and the results shown on a counselor's record (an include in directory/show)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import contains_eager

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.entities.labels import MODEL_LEVEL_LABELS
from marketplace.entities.models import Entity
from marketplace.errors import DomainError
from marketplace.evaluation import exports, services
from marketplace.evaluation.forms import AdjustForm, ImprovementForm, RunForm, SchemeForm
from marketplace.evaluation.models import (
    CenterEvaluation,
    CounselorEvaluation,
    EntityImprovement,
    EvaluationKind,
)
from marketplace.extensions import db
from marketplace.jobs.models import Job, JobState
from marketplace.jurisdiction import get_scoped_or_404, scoped
from marketplace.regions.models import Level

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")
PER_PAGE = 30


@bp.app_context_processor
def inject() -> dict:
    return {"evaluation_results": services.counselor_results, "pending_transfer": services.pending_transfer,
            "center_evaluation_results": services.center_results,
            "grade_label": services.grade_label, "evaluation_labels": services}


def _filters() -> dict:
    return exports.filters_from(request.args)


@bp.get("/")
@login_required
@roles_required(Role.OFFICIAL)
def list_results():
    filters = _filters()
    query = exports.results_query(current_user, filters)
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template("evaluation/list.html", page=page, filters=filters, run_form=RunForm(),
                           can_run=services.can_evaluate(current_user, "counselor"), grades=services.GRADE_LABELS,
                           kinds=services.KIND_LABELS)


@bp.get("/export.xlsx")
@login_required
@roles_required(Role.OFFICIAL)
def export_results():
    """The filtered results as xlsx (personal data masked; audited)."""
    from marketplace.imports.web import xlsx_response
    from marketplace.timeutil import utcnow

    data = exports.build_export(current_user, _filters())
    db.session.commit()
    return xlsx_response(data, f"evaluations-{utcnow():%Y%m%d}.xlsx")


@bp.post("/run")
@login_required
@roles_required(Role.OFFICIAL)
def start_run():
    if not services.can_evaluate(current_user, "counselor"):
        abort(403)
    form = RunForm()
    if not form.validate_on_submit():
        flash("；".join(str(e) for errors in form.errors.values() for e in errors) or _("请检查评价设置"), "danger")
        return redirect(url_for("evaluation.list_results"))
    try:
        job = services.start_evaluation(current_user, form.subject.data, form.year.data,
                                        EvaluationKind(form.kind.data))
    except DomainError as error:
        if error.status == 403:
            abort(403)
        flash(error.message, "warning")
        return redirect(url_for("evaluation.list_results"))
    db.session.commit()
    return redirect(url_for("evaluation.show_job", job_id=job.id))


def _job_or_404(job_id: str) -> Job:
    job = get_scoped_or_404(Job, job_id, current_user)
    if job.kind != services.JOB_KIND:
        abort(404)
    return job


def job_status(job: Job, done_url: str | None) -> dict:
    done = job.state is JobState.SUCCEEDED
    return {"state": job.state.value, "processed": job.processed, "total": job.total,
            "percent": 100 if done else int(job.processed * 100 / job.total) if job.total else 0,
            "errors": job.errors or [], "download_url": done_url if done else None}


@bp.get("/jobs/<job_id>")
@login_required
@roles_required(Role.OFFICIAL)
def show_job(job_id: str):
    job = _job_or_404(job_id)
    done_url = url_for("evaluation.list_results", subject=job.params["subject"], year=job.params["year"],
                       kind=job.params.get("kind"))
    return render_template("evaluation/job.html", job=job, status=job_status(job, done_url))


@bp.get("/jobs/<job_id>.json")
@login_required
@roles_required(Role.OFFICIAL)
def job_json(job_id: str):
    job = _job_or_404(job_id)
    done_url = url_for("evaluation.list_results", subject=job.params["subject"], year=job.params["year"],
                       kind=job.params.get("kind"))
    return jsonify(job_status(job, done_url))


def _show(result, template: str):
    return render_template(template, result=result, form=AdjustForm(grade=result.adjusted_grade.value
                                                                     if result.adjusted_grade else ""),
                           can_adjust=services.can_adjust(current_user, result))


def _adjust(result, endpoint: str):
    form = AdjustForm()
    if not services.can_adjust(current_user, result):
        abort(403)
    if not form.validate_on_submit():
        flash("；".join(str(e) for errors in form.errors.values() for e in errors), "danger")
        return redirect(url_for(endpoint, result_id=result.id))
    try:
        services.adjust(current_user, result, form.grade_value(), form.reason.data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "warning")
        return redirect(url_for(endpoint, result_id=result.id))
    db.session.commit()
    flash(_("评价结果已调整为“%(grade)s”", grade=services.grade_label(result.grade)), "success")
    return redirect(url_for(endpoint, result_id=result.id))


@bp.get("/counselors/<int:result_id>")
@login_required
@roles_required(Role.OFFICIAL)
def show_counselor_result(result_id: int):
    return _show(get_scoped_or_404(CounselorEvaluation, result_id, current_user), "evaluation/counselor.html")


@bp.post("/counselors/<int:result_id>/adjust")
@login_required
@roles_required(Role.OFFICIAL)
def adjust_counselor_result(result_id: int):
    return _adjust(get_scoped_or_404(CounselorEvaluation, result_id, current_user),
                   "evaluation.show_counselor_result")


@bp.get("/centers/<int:result_id>")
@login_required
@roles_required(Role.OFFICIAL)
def show_center_result(result_id: int):
    return _show(get_scoped_or_404(CenterEvaluation, result_id, current_user), "evaluation/center.html")


@bp.post("/centers/<int:result_id>/adjust")
@login_required
@roles_required(Role.OFFICIAL)
def adjust_center_result(result_id: int):
    return _adjust(get_scoped_or_404(CenterEvaluation, result_id, current_user), "evaluation.show_center_result")


@bp.route("/scheme", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def edit_scheme():
    if current_user.level not in (Level.NATIONAL, Level.PROVINCE):
        abort(403)
    code = current_user.department.region_code
    weights, thresholds, marks, source = services.scheme_for(code)
    form = SchemeForm()
    if request.method == "GET":
        form.load(weights, thresholds, marks)
    elif form.validate_on_submit():
        try:
            services.save_scheme(current_user, *form.values())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("评价方案已保存"), "success")
            return redirect(url_for("evaluation.edit_scheme"))
    return render_template("evaluation/scheme.html", form=form, source=source, own=source == code,
                           national=current_user.level is Level.NATIONAL)


@bp.route("/improvements", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def list_improvements():
    form = ImprovementForm()
    if request.method == "POST" and form.validate_on_submit():
        entity = db.session.scalar(scoped(Entity, current_user).where(Entity.id == form.entity_id.data))
        if entity is None:
            form.entity_id.errors.append(_("辖区内没有该编号的经营主体"))
        else:
            services.record_improvement(current_user, entity.id, form.year.data, form.values())
            db.session.commit()
            flash(_("已记录“%(name)s” %(year)s 年度的质量提升情况", name=entity.name, year=form.year.data),
                  "success")
            return redirect(url_for("evaluation.list_improvements"))
    query = scoped(EntityImprovement, current_user).join(EntityImprovement.entity) \
        .options(contains_eager(EntityImprovement.entity)) \
        .order_by(EntityImprovement.year.desc(), EntityImprovement.id.desc())
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template("evaluation/improvements.html", form=form, page=page, level_labels=MODEL_LEVEL_LABELS)

