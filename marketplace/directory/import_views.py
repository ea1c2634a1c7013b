"""Batch import and export pages on the directory blueprint (see views.py; the machinery: marketplace/imports/)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.directory import exports, imports
from marketplace.directory.forms import PurposeForm
from marketplace.directory.search import counselor_query
from marketplace.directory.views import bp
from marketplace.extensions import db
from marketplace.imports.web import add_import_routes, xlsx_response
from marketplace.timeutil import utcnow

add_import_routes(
    bp, imports.KIND, form_label=_l("名录文件（xlsx、xls 或 csv）"), upload_title=_l("批量导入辅导员"),
    job_title=_l("批量导入"),
    back_endpoint="directory.list_counselors", back_label=_l("返回名录"), file_prefix="counselor",
    intro=_l("请先下载模板，按“填写说明”工作表填写后上传。所有行检查无误才会导入；任何一行有错，都不写入任何数据，"
             "并给出错误清单。身份证号码已由本部门录入的记录将按表格内容更新。"))


@bp.get("/export.xlsx")
@login_required
@roles_required(Role.OFFICIAL)
def export_counselors():
    """The filtered list, ID numbers and phones masked."""
    query = counselor_query(current_user, exports.filters_from_args(request.args))
    return xlsx_response(exports.build_export(current_user, query), f"counselors-{utcnow():%Y%m%d}.xlsx")


@bp.post("/export-full.xlsx")
@login_required
@roles_required(Role.OFFICIAL)
def export_counselors_full():
    """The filtered list with full ID numbers and phones of the department's own counselors (for a re-import
    or a report to a superior): a stated purpose, audited."""
    form = PurposeForm()
    if not form.validate_on_submit():
        flash(_("导出完整信息须填写用途"), "danger")
        return redirect(url_for("directory.list_counselors", **request.args))
    query = counselor_query(current_user, exports.filters_from_args(request.args))
    data = exports.build_export(current_user, query, purpose=form.reason.data.strip())
    db.session.commit()  # the audit entry
    return xlsx_response(data, f"counselors-full-{utcnow():%Y%m%d}.xlsx")
