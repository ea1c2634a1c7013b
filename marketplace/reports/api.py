"""Work reports over the API: the reports an official may see, one report with its frozen figures, typical
cases and comments, and the transitions of TRANSITIONS (submit by the writing department; return or accept by
the department above)."""

from __future__ import annotations

from flask import abort
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from marketplace.api import api_user, committed, token_required
from marketplace.api.schemas import PageArgs, PageMeta, page_meta
from marketplace.extensions import db
from marketplace.reports import services
from marketplace.reports.labels import period_label
from marketplace.reports.models import ReportState, WorkReport

blp = Blueprint("reports_api", __name__, url_prefix="/reports", description="工作报告（向上级报送）")


class ReportListArgs(PageArgs):
    state = fields.String(validate=validate.OneOf([s.value for s in ReportState]),
                          metadata={"description": "只列出该状态的报告"})


class CaseSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String()
    agreement_number = fields.Function(lambda c: c.agreement.number)
    is_published = fields.Boolean()
    photos = fields.Function(lambda c: len(c.photos), metadata={"description": "照片张数"})


class CommentSchema(Schema):
    id = fields.Integer()
    department = fields.Function(lambda c: c.author.department.name if c.author and c.author.department else None)
    action = fields.String(allow_none=True,
                           metadata={"description": "退回（return）或采纳（accept）时的意见；留言为空"})
    body = fields.String()
    created_at = fields.DateTime()


class ReportSchema(Schema):
    id = fields.Integer()
    department = fields.Function(lambda r: r.department.name)
    reviewer = fields.Function(lambda r: r.reviewer.name)
    region_code = fields.String()
    period_kind = fields.Function(lambda r: r.period_kind.value, metadata={"description": "quarter / half / year"})
    year = fields.Integer()
    period_no = fields.Integer()
    period = fields.Function(lambda r: period_label(r.period_kind, r.year, r.period_no))
    state = fields.Function(lambda r: r.state.value, metadata={"description": "draft / submitted / returned / "
                                                                              "accepted"})
    due_on = fields.Function(lambda r: services.due_on(r.period_kind, r.year, r.period_no).isoformat())
    submitted_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)


class ReportDetailSchema(ReportSchema):
    practices = fields.String()
    problems = fields.String()
    suggestions = fields.String()
    figures = fields.Dict(keys=fields.String(), allow_none=True,
                          metadata={"description": "报送时固定的进展数据："
                                    + "；".join(f"{k}={v}" for k, v in services.FIGURES)})
    figures_at = fields.DateTime(allow_none=True)
    cases = fields.List(fields.Nested(CaseSchema))
    comments = fields.List(fields.Nested(CommentSchema))
    actions = fields.Function(lambda r: [a["action"] for a in services.actions_for(api_user(), r)],
                              metadata={"description": "本人可执行的操作"})


class ReportPage(Schema):
    items = fields.List(fields.Nested(ReportSchema))
    meta = fields.Nested(PageMeta)


class TransitionArgs(Schema):
    action = fields.String(required=True, validate=validate.OneOf(list(services.TRANSITIONS)),
                           metadata={"description": "submit（报送部门）；return、accept（上级部门）"})
    reason = fields.String(load_default="", validate=validate.Length(max=2000),
                           metadata={"description": "意见；退回时必填"})


def _visible_or_404(report_id: int) -> WorkReport:
    report = services.get_visible_or_none(api_user(), report_id)
    if report is None:
        abort(404)
    return report


@blp.route("")
class Reports(MethodView):
    @token_required
    @blp.arguments(ReportListArgs, location="query")
    @blp.response(200, ReportPage)
    def get(self, args):
        """官员：辖区内的工作报告（草稿仅本部门可见），最新在前。其他角色得到空列表。"""
        query = services.visible_reports(api_user())
        if args.get("state"):
            query = query.where(WorkReport.state == ReportState(args["state"]))
        query = query.order_by(WorkReport.year.desc(), WorkReport.id.desc())
        page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
        return {"items": page.items, "meta": page_meta(page)}


@blp.route("/<int:report_id>")
@token_required
@blp.response(200, ReportDetailSchema)
def get_report(report_id):
    """一份工作报告：正文、报送时固定的进展数据、典型案例与审阅意见。"""
    return _visible_or_404(report_id)


@blp.route("/<int:report_id>/transitions", methods=["POST"])
@token_required
@blp.arguments(TransitionArgs)
@blp.response(200, ReportDetailSchema)
def transition(args, report_id):
    """报送（submit）、退回修改（return，须填意见）或采纳（accept）。"""
    report = _visible_or_404(report_id)
    committed(lambda: services.transition(report, args["action"], api_user(), args["reason"]))
    return report
