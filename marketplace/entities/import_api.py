"""Batch import of entities over the API (bearer token); progress at /api/v1/jobs/<job_id>."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint

from marketplace.api import api_user, error_response, token_required
from marketplace.entities import imports
from marketplace.errors import NotAllowed
from marketplace.extensions import db
from marketplace.imports.reader import ImportFileError
from marketplace.imports.web import xlsx_response

blp = Blueprint("entity_imports_api", __name__, url_prefix="/entities", description="经营主体批量导入")


@blp.route("/imports", methods=["POST"])
@token_required
def create_import():
    """上传 xlsx（multipart 字段 `file`）批量导入经营主体（县级及以上部门）；返回 202 与 job_id。

    进度见 /jobs/<job_id>。"""
    imports.KIND.department(api_user())
    upload = request.files.get("file")
    if upload is None:
        return error_response(400, _("请上传文件（multipart 字段 file）"), "file_required")
    try:
        job = imports.start_import(api_user(), upload.stream, request.content_length)
    except ImportFileError as error:
        return error_response(400, error.message, "bad_file")
    db.session.commit()
    return {"job_id": job.id}, 202


@blp.route("/template.xlsx", methods=["GET"])
@token_required
def download_template():
    """经营主体导入模板（xlsx）。"""
    user = api_user()
    if not user.is_official:
        raise NotAllowed(_("无权执行此操作"))
    return xlsx_response(imports.build_template(user.department), "entity-import-template.xlsx")
