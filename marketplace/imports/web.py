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
    return FileField(label or _l("导入文件（xlsx）"),
                     validators=[FileRequired(message=_l("请选择要上传的 xlsx 文件"))])


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
    max_mb = current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024)
    return render_template("imports/new.html", form=form, max_mb=max_mb, **context), (400 if form.errors else 200)


def render_job(kind: ImportKind, job: Job, **context):
    """The job page. Context: title, status_url, errors_url, again_url, back_url, back_label."""
    return render_template("imports/show.html", job=job, data=job_json(job), unit=kind.unit, **context)
