"""Attendance import pages on the training blueprint (the kind: training/imports.py; the machinery:
marketplace/imports/): the upload on a training's page, the job page, its JSON, the error report, the template."""

from __future__ import annotations

from flask import jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.imports import jobs
from marketplace.imports.reader import error_report
from marketplace.imports.template import build_template
from marketplace.imports.web import file_field, render_job, render_upload, scoped_job, xlsx_response
from marketplace.training.imports import KIND
from marketplace.training.views import _managed_or_403, bp


class AttendanceImportForm(FlaskForm):
    file = file_field()


def _back(job) -> dict:
    training_id = (job.params or {}).get("training_id")
    return {"back_url": url_for("training.show_training", training_id=training_id) if training_id
            else url_for("training.list_trainings"), "back_label": _("返回培训")}


@bp.route("/<int:training_id>/attendance/import", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def import_attendance(training_id: int):
    training = _managed_or_403(training_id)
    form = AttendanceImportForm()
    if form.validate_on_submit():
        try:
            job = jobs.start_import(KIND, current_user, form.file.data.stream, request.content_length)
            job.params = {**(job.params or {}), "training_id": training.id}
        except DomainError as error:
            form.file.errors = [error.message]
        else:
            db.session.commit()
            return redirect(url_for("training.show_attendance_import", job_id=job.id))
    return render_upload(
        form, title=_("导入出勤：%(title)s", title=training.title),
        intro=_("上传签到表（xlsx、xls 或 csv）：每行一名辅导员，填聘任证书编号，或姓名和身份证后四位，以及是否出勤、"
                "学时（不填按本次培训 %(hours)s 学时）。所有行检查无误才会登记；任何一行有错，都不写入任何数据，"
                "并给出错误清单。", hours=training.hours),
        template_url=url_for("training.download_attendance_template"),
        back_url=url_for("training.show_training", training_id=training.id), back_label=_("返回培训"))


@bp.get("/attendance-imports/<job_id>")
@login_required
def show_attendance_import(job_id: str):
    job = scoped_job(KIND, job_id, current_user)
    return render_job(KIND, job, title=_("导入出勤"), **_back(job),
                      status_url=url_for("training.attendance_import_status", job_id=job.id),
                      errors_url=url_for("training.download_attendance_errors", job_id=job.id),
                      again_url=url_for("training.import_attendance", training_id=job.params.get("training_id"))
                      if job.params.get("training_id") else url_for("training.list_trainings"))


@bp.get("/attendance-imports/<job_id>.json")
@login_required
def attendance_import_status(job_id: str):
    return jsonify(jobs.job_json(scoped_job(KIND, job_id, current_user)))


@bp.get("/attendance-imports/<job_id>/errors.xlsx")
@login_required
def download_attendance_errors(job_id: str):
    job = scoped_job(KIND, job_id, current_user)
    return xlsx_response(error_report(job.errors or []), f"attendance-import-errors-{job.id[:8]}.xlsx")


@bp.get("/attendance-template.xlsx")
@login_required
@roles_required(Role.OFFICIAL)
def download_attendance_template():
    return xlsx_response(build_template(KIND, current_user.department), "attendance-import-template.xlsx")
