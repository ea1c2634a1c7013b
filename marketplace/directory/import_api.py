"""Batch import, template and export over the API (bearer token)."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint

from marketplace.api import api_user, error_response, token_required
from marketplace.directory import exports, imports
from marketplace.directory.search import counselor_query
from marketplace.errors import NotAllowed
from marketplace.extensions import db
from marketplace.imports.web import xlsx_response

blp = Blueprint("counselor_imports_api", __name__, url_prefix="/counselors", description="名录库批量导入与导出")


@blp.route("/imports", methods=["POST"])
@token_required
def create_import():
    """上传 xlsx（multipart 字段 `file`）批量导入辅导员；返回 202 与 job_id，进度见 /jobs/<job_id>。"""
    upload = request.files.get("file")
    imports.KIND.department(api_user())
    if upload is None:
        return error_response(400, _("请上传文件（multipart 字段 file）"), "file_required")
    try:
        job = imports.start_import(api_user(), upload.stream, request.content_length)
    except imports.ImportFileError as error:
        return error_response(400, error.message, "bad_file")
    db.session.commit()
    return {"job_id": job.id}, 202


@blp.route("/template.xlsx", methods=["GET"])
@token_required
def download_template():
    """导入模板（xlsx）。"""
    user = api_user()
    if not user.is_official:
        raise NotAllowed(_("无权执行此操作"))
    return xlsx_response(imports.build_template(user.department), "counselor-import-template.xlsx")


@blp.route("/export.xlsx", methods=["GET"])
@token_required
def export_counselors():
    """按与列表相同的查询参数导出名录（xlsx，列与导入模板相同）。"""
    user = api_user()
    if not user.is_official:
        raise NotAllowed(_("无权执行此操作"))
    data = exports.build_export(user, counselor_query(user, exports.filters_from_args(request.args)))
    db.session.commit()
    return xlsx_response(data, "counselors.xlsx")
