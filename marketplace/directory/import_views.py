"""Batch import and export pages on the directory blueprint (see views.py; the machinery: marketplace/imports/)."""

from __future__ import annotations

from flask import jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.directory import exports, imports
from marketplace.directory.search import counselor_query
from marketplace.directory.views import bp
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.imports.reader import error_report
from marketplace.imports.web import file_field, render_job, render_upload, scoped_job, xlsx_response
from marketplace.jobs.models import Job
from marketplace.jurisdiction import get_scoped_or_404
from marketplace.timeutil import utcnow


class CounselorImportForm(FlaskForm):
    file = file_field(_l("名录文件（xlsx）"))


def _pages() -> dict:
    return {"back_url": url_for("directory.list_counselors"), "back_label": _("返回名录")}


@bp.route("/imports", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def create_import():
    imports.KIND.department(current_user)  # 403 below county level
    form = CounselorImportForm()
    if form.validate_on_submit():
        try:
            job = imports.start_import(current_user, form.file.data.stream, request.content_length)
        except DomainError as error:
            form.file.errors = [error.message]
        else:
            db.session.commit()
            return redirect(url_for("directory.show_import", job_id=job.id))
    return render_upload(form, title=_("批量导入辅导员"), template_url=url_for("directory.download_template"),
                         intro=_("请先下载模板，按“填写说明”工作表填写后上传。所有行检查无误才会导入；任何一行有错，"
                                 "都不写入任何数据，并给出错误清单。身份证号码已由本部门录入的记录将按表格内容更新。"),
                         **_pages())


@bp.get("/imports/<job_id>")
@login_required
def show_import(job_id: str):
    job = scoped_job(imports.KIND, job_id, current_user)
    return render_job(imports.KIND, job, title=_("批量导入"), **_pages(),
                      status_url=url_for("directory.import_status", job_id=job.id),
                      errors_url=url_for("directory.download_import_errors", job_id=job.id),
                      again_url=url_for("directory.create_import"))


@bp.get("/imports/<job_id>.json")
@login_required
def import_status(job_id: str):
    job = get_scoped_or_404(Job, job_id, current_user)
    return jsonify(imports.job_json(job))


@bp.get("/imports/<job_id>/errors.xlsx")
@login_required
def download_import_errors(job_id: str):
    job = get_scoped_or_404(Job, job_id, current_user)
    return xlsx_response(error_report(job.errors), f"import-errors-{job.id[:8]}.xlsx")


@bp.get("/template.xlsx")
@login_required
@roles_required(Role.OFFICIAL)
def download_template():
    return xlsx_response(imports.build_template(current_user.department), "counselor-import-template.xlsx")


@bp.get("/export.xlsx")
@login_required
@roles_required(Role.OFFICIAL)
def export_counselors():
    query = counselor_query(current_user, exports.filters_from_args(request.args))
    data = exports.build_export(current_user, query)
    db.session.commit()  # the audit entry for unmasked values
    return xlsx_response(data, f"counselors-{utcnow():%Y%m%d}.xlsx")
