"""Page and API helpers shared by the areas' import routes: the upload form, xlsx responses, job pages."""

from __future__ import annotations

import io

from flask import abort, current_app, render_template, send_file
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from marketplace.imports.jobs import job_json
from marketplace.imports.spec import ImportKind
from marketplace.jobs.models import Job
from marketplace.jurisdiction import get_scoped_or_404

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_field(label=None) -> FileField:
    """The upload field of an import form: `class MyImportForm(FlaskForm): file = file_field(_l("..."))`."""
    return FileField(label or _l("导入文件（xlsx、xls 或 csv）"),
                     validators=[FileRequired(message=_l("请选择要上传的文件（xlsx、xls 或 csv）"))])


class ImportForm(FlaskForm):
    file = file_field()


def xlsx_response(data: bytes, name: str):
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


def scoped_job(kind: ImportKind, job_id: str, user) -> Job:
    """A job of this kind in the user's jurisdiction, or 404."""
    job = get_scoped_or_404(Job, job_id, user)
    if job.kind != kind.job_kind:
        abort(404)
    return job


def render_upload(form: ImportForm, **context):
    """The upload page (400 when the form was refused). Context: title, intro, template_url, back_url,
    back_label."""
    config = current_app.config
    max_mb = config["IMPORT_MAX_BYTES"] // (1024 * 1024)
    return render_template("imports/new.html", form=form, max_mb=max_mb, max_rows=f"{config['IMPORT_MAX_ROWS']:,}",
                           max_cols=config["IMPORT_MAX_COLUMNS"], **context), (400 if form.errors else 200)


def render_job(kind: ImportKind, job: Job, **context):
    """The job page. Context: title, status_url, errors_url, again_url, back_url, back_label."""
    return render_template("imports/show.html", job=job, data=job_json(job), unit=kind.unit, **context)


def add_import_routes(bp, kind: ImportKind, *, form_label, upload_title, job_title, intro, back_endpoint: str,
                      back_label, file_prefix: str) -> None:
    """The five import routes of an area on its blueprint, under the same endpoint names everywhere:
    create_import (upload page, officials of county level and up), show_import (job page), import_status
    (its JSON), download_import_errors (xlsx) and download_template (xlsx). Texts are lazy strings."""
    from flask import jsonify, redirect, request, url_for
    from flask_login import current_user, login_required

    from marketplace.accounts.models import Role
    from marketplace.auth.decorators import roles_required
    from marketplace.errors import DomainError
    from marketplace.extensions import db
    from marketplace.imports import jobs
    from marketplace.imports.reader import error_report
    from marketplace.imports.template import build_template

    name = bp.name

    class AreaImportForm(FlaskForm):
        file = file_field(form_label)

    def pages() -> dict:
        return {"back_url": url_for(back_endpoint), "back_label": str(back_label)}

    @login_required
    @roles_required(Role.OFFICIAL)
    def create_import():
        kind.department(current_user)  # 403 below county level
        form = AreaImportForm()
        if form.validate_on_submit():
            try:
                job = jobs.start_import(kind, current_user, form.file.data.stream, request.content_length)
            except DomainError as error:
                form.file.errors = [error.message]
            else:
                db.session.commit()
                return redirect(url_for(f"{name}.show_import", job_id=job.id))
        return render_upload(form, title=str(upload_title), intro=str(intro),
                             template_url=url_for(f"{name}.download_template"), **pages())

    @login_required
    def show_import(job_id: str):
        job = scoped_job(kind, job_id, current_user)
        return render_job(kind, job, title=str(job_title), **pages(),
                          status_url=url_for(f"{name}.import_status", job_id=job.id),
                          errors_url=url_for(f"{name}.download_import_errors", job_id=job.id),
                          again_url=url_for(f"{name}.create_import"))

    @login_required
    def import_status(job_id: str):
        return jsonify(job_json(scoped_job(kind, job_id, current_user)))

    @login_required
    def download_import_errors(job_id: str):
        job = scoped_job(kind, job_id, current_user)
        return xlsx_response(error_report(job.errors or []), f"{file_prefix}-import-errors-{job.id[:8]}.xlsx")

    @login_required
    @roles_required(Role.OFFICIAL)
    def download_template():
        return xlsx_response(build_template(kind, current_user.department), f"{file_prefix}-import-template.xlsx")

    bp.add_url_rule("/imports", "create_import", create_import, methods=["GET", "POST"])
    bp.add_url_rule("/imports/<job_id>", "show_import", show_import)
    bp.add_url_rule("/imports/<job_id>.json", "import_status", import_status)
    bp.add_url_rule("/imports/<job_id>/errors.xlsx", "download_import_errors", download_import_errors)
    bp.add_url_rule("/template.xlsx", "download_template", download_template)
