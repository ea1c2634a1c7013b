"""Evaluation results over the API (bearer token): the xlsx export of the list page."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from marketplace.api import XLSX, api_user, file_doc, token_required
from marketplace.api.schemas import Int
from marketplace.errors import NotAllowed
from marketplace.evaluation import exports
from marketplace.evaluation.models import EvaluationKind, Grade
from marketplace.extensions import db
from marketplace.imports.web import xlsx_response

blp = Blueprint("evaluations_api", __name__, url_prefix="/evaluations", description="绩效评价")


class ExportQuery(Schema):
    subject = fields.String(validate=validate.OneOf(["counselor", "center"]), load_default="counselor")
    year = Int(validate=validate.Range(2000, 2100))
    kind = fields.String(validate=validate.OneOf([k.value for k in EvaluationKind]))
    grade = fields.String(validate=validate.OneOf([g.value for g in Grade]))


@blp.route("/export.xlsx", methods=["GET"])
@blp.doc(**file_doc("评价结果（xlsx）", XLSX))
@token_required
@blp.arguments(ExportQuery, location="query")
def export_results(args):
    """导出本辖区的评价结果（xlsx，筛选条件与列表页相同；身份证号码和手机号码为掩码；记入审计日志）。"""
    user = api_user()
    if not user.is_official:
        raise NotAllowed(_("无权执行此操作"))
    data = exports.build_export(user, exports.filters_from({k: str(v) for k, v in args.items()}))
    db.session.commit()
    return xlsx_response(data, "evaluations.xlsx")
