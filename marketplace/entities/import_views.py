"""Batch import pages on the entities blueprint (see views.py; the machinery: marketplace/imports/)."""

from __future__ import annotations

from flask import jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.entities import imports
from marketplace.entities.views import bp
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.imports.jobs import job_json
from marketplace.imports.reader import error_report
from marketplace.imports.web import file_field, render_job, render_upload, scoped_job, xlsx_response


class EntityImportForm(FlaskForm):
    file = file_field(_l("经营主体文件（xlsx）"))


def _pages() -> dict:
    return {"back_url": url_for("entities.list_entities"), "back_label": _("返回经营主体列表")}


@bp.route("/imports", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def create_import():
    imports.KIND.department(current_user)  # 403 below county level
    form = EntityImportForm()
    if form.validate_on_submit():
        try:
            job = imports.start_import(current_user, form.file.data.stream, request.content_length)
        except DomainError as error:
            form.file.errors = [error.message]
        else:
            db.session.commit()
            return redirect(url_for("entities.show_import", job_id=job.id))
    return render_upload(form, title=_("批量导入经营主体"), template_url=url_for("entities.download_template"),
                         intro=_("请先下载模板，按“填写说明”工作表填写后上传。所有行检查无误才会导入；任何一行有错，"
                                 "都不写入任何数据，并给出错误清单。本部门已导入的主体按统一社会信用代码（无代码的"
                                 "家庭农场按名称和地区）更新；县级部门导入的主体直接记为已核实。"),
                         **_pages())


@bp.get("/imports/<job_id>")
@login_required
def show_import(job_id: str):
    job = scoped_job(imports.KIND, job_id, current_user)
    return render_job(imports.KIND, job, title=_("批量导入经营主体"), **_pages(),
                      status_url=url_for("entities.import_status", job_id=job.id),
                      errors_url=url_for("entities.download_import_errors", job_id=job.id),
                      again_url=url_for("entities.create_import"))


@bp.get("/imports/<job_id>.json")
@login_required
def import_status(job_id: str):
    return jsonify(job_json(scoped_job(imports.KIND, job_id, current_user)))


@bp.get("/imports/<job_id>/errors.xlsx")
@login_required
def download_import_errors(job_id: str):
    job = scoped_job(imports.KIND, job_id, current_user)
    return xlsx_response(error_report(job.errors), f"entity-import-errors-{job.id[:8]}.xlsx")


@bp.get("/template.xlsx")
@login_required
@roles_required(Role.OFFICIAL)
def download_template():
    return xlsx_response(imports.build_template(current_user.department), "entity-import-template.xlsx")
