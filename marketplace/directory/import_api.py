"""Batch import, template and export over the API (bearer token)."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from marketplace.api import XLSX, api_user, file_doc, token_required
from marketplace.directory import exports, imports
from marketplace.directory.search import counselor_query
from marketplace.errors import DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.imports.api import add_import_api
from marketplace.imports.web import xlsx_response

blp = Blueprint("counselor_imports_api", __name__, url_prefix="/counselors", description="名录库批量导入与导出")
add_import_api(blp, imports.KIND, noun="辅导员", file_prefix="counselor")


@blp.route("/export.xlsx", methods=["GET"])
@blp.doc(**file_doc("名录（xlsx）", XLSX))
@token_required
def export_counselors():
    """按与列表相同的查询参数导出名录（xlsx，列与导入模板相同；身份证号码和手机号码为掩码）。"""
    user = api_user()
    if not user.is_official:
        raise NotAllowed(_("无权执行此操作"))
    return xlsx_response(exports.build_export(user, counselor_query(user, exports.filters_from_args(request.args))),
                         "counselors.xlsx")


class FullExport(Schema):
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=500),
                            metadata={"description": "用途（记入审计日志）"})


@blp.route("/export-full.xlsx", methods=["POST"])
@blp.doc(**file_doc("完整名录（xlsx，含完整身份证号码和手机号码）", XLSX))
@token_required
@blp.arguments(FullExport)
def export_counselors_full(data):
    """导出本部门辅导员的完整身份证号码和手机号码（须说明用途，记入审计日志；查询参数同列表）。"""
    user = api_user()
    if not user.is_official:
        raise NotAllowed(_("无权执行此操作"))
    purpose = data["purpose"].strip()
    if not purpose:
        raise DomainError(_("导出完整信息须填写用途"), field="purpose")
    content = exports.build_export(user, counselor_query(user, exports.filters_from_args(request.args)),
                                   purpose=purpose)
    db.session.commit()
    return xlsx_response(content, "counselors-full.xlsx")
