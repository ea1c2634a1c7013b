"""Progress dashboards per level with drill-down to the level below, their xlsx export, an on-demand refresh,
and progress reports built in the background."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import EmptyForm
from marketplace.jobs.models import Job, JobState
from marketplace.jurisdiction import get_scoped_or_404, region_in_jurisdiction
from marketplace.oversight import coverage, geo, reports, services
from marketplace.regions.models import Region

bp = Blueprint("oversight", __name__, url_prefix="/oversight")


def _region() -> Region:
    code = request.args.get("region") or current_user.department.region_code
    region = db.session.get(Region, code)
    if region is None or not region_in_jurisdiction(code, current_user):
        abort(404)
    return region


def _breadcrumbs(region: Region) -> list[Region]:
    codes = [c for c in region.path.strip("/").split("/") if c]
    own = current_user.department.region.path
    rows = {r.code: r for r in db.session.scalars(db.select(Region).where(Region.code.in_(codes)))}
    return [rows[c] for c in codes if c in rows and rows[c].path.startswith(own)]


@bp.get("/")
@login_required
@roles_required(Role.OFFICIAL)
def show_dashboard():
    region = _region()
    board = services.dashboard(region)
    metric = request.args.get("metric") if request.args.get("metric") in coverage.METRICS else "density"
    township = bool(board.children) and board.children[0][0].level.value == "township"
    return render_template("oversight/dashboard.html", board=board, crumbs=_breadcrumbs(region),
                           map_rows=coverage.map_rows(board.children, "resident" if township else "counselors"),
                           map_source=geo.map_source(region), metric=metric, metrics=coverage.METRICS,
                           good_score=coverage.GOOD_SCORE,
                           progress=services.progress, share=services.share, refresh_form=EmptyForm(),
                           training_year=_training_year(),
                           report_form=reports.ReportForm(region=region.code))


def _training_year() -> int:
    from marketplace.training.services import china_today

    return china_today().year


@bp.get("/export.xlsx")
@login_required
@roles_required(Role.OFFICIAL)
def export_dashboard():
    board = services.dashboard(_region())
    data = reports.dashboard_workbook(board)
    return send_file(BytesIO(data), as_attachment=True, download_name=f"工作进展-{board.region.name}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.post("/refresh")
@login_required
@roles_required(Role.OFFICIAL)
def refresh_rollups():
    if not EmptyForm().validate_on_submit():
        abort(400)
    from marketplace.background import enqueue_after_commit

    if services.recently_refreshed():
        flash(_("统计数据刚刚更新过，请稍后再试"), "info")
    else:
        enqueue_after_commit("oversight.refresh_rollups")
        db.session.commit()
        flash(_("已请求刷新统计数据，稍后刷新页面查看"), "info")
    return redirect(url_for("oversight.show_dashboard", region=request.args.get("region")))


@bp.post("/reports")
@login_required
@roles_required(Role.OFFICIAL)
def start_report():
    form = reports.ReportForm()
    if not form.validate_on_submit():
        flash("；".join(str(e) for errors in form.errors.values() for e in errors), "danger")
        return redirect(url_for("oversight.show_dashboard", region=form.region.data or None))
    if not region_in_jurisdiction(form.region.data, current_user):
        abort(404)
    try:
        job = reports.start_report(current_user, form.region.data, form.start.data, form.end.data)
    except DomainError as error:
        flash(error.message, "warning")
        return redirect(url_for("oversight.show_dashboard", region=form.region.data))
    db.session.commit()
    return redirect(url_for("oversight.show_report", job_id=job.id))


def _report_or_404(job_id: str) -> Job:
    job = get_scoped_or_404(Job, job_id, current_user)
    if job.kind != reports.JOB_KIND:
        abort(404)
    return job


def _status(job: Job) -> dict:
    done = job.state is JobState.SUCCEEDED
    return {"state": job.state.value, "processed": job.processed, "total": job.total,
            "percent": 100 if done else int(job.processed * 100 / job.total) if job.total else 0,
            "errors": job.errors or [],
            "download_url": url_for("oversight.download_report", job_id=job.id, fmt="pdf") if done else None}


@bp.get("/reports/<job_id>")
@login_required
@roles_required(Role.OFFICIAL)
def show_report(job_id: str):
    job = _report_or_404(job_id)
    return render_template("oversight/report.html", job=job, status=_status(job),
                           region=db.session.get(Region, job.params["region"]),
                           start=date.fromisoformat(job.params["start"]), end=date.fromisoformat(job.params["end"]))


@bp.get("/reports/<job_id>.json")
@login_required
@roles_required(Role.OFFICIAL)
def report_status(job_id: str):
    return jsonify(_status(_report_or_404(job_id)))


@bp.get("/reports/<job_id>/download.<fmt>")
@login_required
@roles_required(Role.OFFICIAL)
def download_report(job_id: str, fmt: str):
    job = _report_or_404(job_id)
    path = reports.result_file(job, fmt) if job.state is JobState.SUCCEEDED and fmt in ("pdf", "xlsx") else None
    if path is None:
        abort(404)
    return send_file(path, as_attachment=True, download_name=reports.download_name(job, fmt))
