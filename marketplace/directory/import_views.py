"""Batch import and export pages on the directory blueprint (see views.py)."""

from __future__ import annotations

from flask import abort, current_app, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.directory import imports
from marketplace.directory.search import counselor_query
from marketplace.directory.services import appointing_department
from marketplace.directory.views import bp
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.jobs.models import Job
from marketplace.jurisdiction import get_scoped_or_404
from marketplace.timeutil import utcnow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(FlaskForm):
    file = FileField(_l("名录文件（xlsx）"), validators=[FileRequired(message=_l("请选择要上传的 xlsx 文件"))])


def _xlsx(data: bytes, name: str):
    import io

    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


@bp.route("/imports", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def create_import():
    appointing_department(current_user)  # 403 below county level
    form = ImportForm()
    if form.validate_on_submit():
        try:
            job = imports.start_import(current_user, form.file.data.stream, request.content_length)
        except DomainError as error:
            form.file.errors = [error.message]
        else:
            db.session.commit()
            return redirect(url_for("directory.show_import", job_id=job.id))
    return render_template("directory/imports/new.html", form=form,
                           max_mb=current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024)), (
        400 if form.errors else 200)


@bp.get("/imports/<job_id>")
@login_required
def show_import(job_id: str):
    job = get_scoped_or_404(Job, job_id, current_user)
    if job.kind != imports.JOB_KIND:
        abort(404)
    return render_template("directory/imports/show.html", job=job, data=imports.job_json(job))


@bp.get("/imports/<job_id>.json")
@login_required
def import_status(job_id: str):
    job = get_scoped_or_404(Job, job_id, current_user)
    return jsonify(imports.job_json(job))


@bp.get("/imports/<job_id>/errors.xlsx")
@login_required
def download_import_errors(job_id: str):
    job = get_scoped_or_404(Job, job_id, current_user)
    return _xlsx(imports.error_report(job), f"import-errors-{job.id[:8]}.xlsx")


@bp.get("/template.xlsx")
@login_required
@roles_required(Role.OFFICIAL)
def download_template():
    return _xlsx(imports.build_template(current_user.department), "counselor-import-template.xlsx")


@bp.get("/export.xlsx")
@login_required
@roles_required(Role.OFFICIAL)
def export_counselors():
    query = counselor_query(current_user, imports.filters_from_args(request.args))
    data = imports.build_export(current_user, query)
    db.session.commit()  # the audit entry for unmasked values
    return _xlsx(data, f"counselors-{utcnow():%Y%m%d}.xlsx")
