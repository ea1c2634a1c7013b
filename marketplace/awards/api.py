"""Awards over the API: the nominations a user may see, one nomination, nominating (officials of a county or
above) and moving a nomination along the transition table (submit, approve, return, withdraw, reopen)."""

from __future__ import annotations

from flask import abort
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from marketplace.api import api_user, committed, token_required
from marketplace.api.schemas import Int, PageArgs, PageMeta, page_meta
from marketplace.awards import services
from marketplace.awards.models import Award, AwardState, AwardSubject
from marketplace.extensions import db

blp = Blueprint("awards_api", __name__, url_prefix="/awards", description="评优评先")


class AwardSchema(Schema):
    id = fields.Integer()
    year = fields.Integer()
    name = fields.String(metadata={"description": "荣誉名称，如 县级优秀辅导员"})
    level = fields.Function(lambda a: a.level.value)
    subject = fields.Function(lambda a: a.subject.value)
    counselor_id = fields.Integer(allow_none=True)
    center_id = fields.Integer(allow_none=True)
    subject_name = fields.String()
    subject_region_code = fields.String()
    grade = fields.String(metadata={"description": "提名所依据的年度评价等级"})
    state = fields.Function(lambda a: a.state.value)
    department = fields.Function(lambda a: a.department.name)
    approver_department = fields.Function(lambda a: a.approver_department.name)
    reason = fields.String()
    comment = fields.String(allow_none=True)
    nominated_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    actions = fields.Function(lambda a: [x["action"] for x in services.actions_for(api_user(), a)],
                              metadata={"description": "当前用户可执行的操作"})


class AwardPage(Schema):
    items = fields.List(fields.Nested(AwardSchema))
    meta = fields.Nested(PageMeta)


class AwardQuery(PageArgs):
    year = Int(validate=validate.Range(2000, 2100))
    state = fields.String(validate=validate.OneOf([s.value for s in AwardState]))


class AwardCreate(Schema):
    subject = fields.String(required=True, validate=validate.OneOf([s.value for s in AwardSubject]))
    subject_id = Int(required=True, metadata={"description": "辅导员或服务中心的 id"})
    year = Int(required=True, validate=validate.Range(2000, 2100), metadata={"description": "所依据的评价年度"})
    reason = fields.String(required=True, validate=validate.Length(max=services.MAX_REASON))
    submit = fields.Boolean(load_default=True, metadata={"description": "同时提交上级审核（默认是）"})


class AwardTransition(Schema):
    action = fields.String(required=True, validate=validate.OneOf(list(services.TRANSITIONS)))
    text = fields.String(load_default="", validate=validate.Length(max=services.MAX_REASON),
                         metadata={"description": "submit：推荐理由（可不填，沿用原理由）；"
                                                  "return、withdraw：意见（必填）；approve：意见（可不填）"})


def _visible_or_404(award_id: int) -> Award:
    award = services.get_visible_or_none(api_user(), award_id)
    if award is None:
        abort(404)
    return award


@blp.route("")
class Awards(MethodView):
    @token_required
    @blp.arguments(AwardQuery, location="query")
    @blp.response(200, AwardPage)
    def get(self, args):
        """官员：辖区内的评优提名（含待本部门审核的）；辅导员、服务中心：本人（本中心）已批准的荣誉。最新在前。"""
        query = services.visible_awards(api_user())
        if args.get("year"):
            query = query.where(Award.year == args["year"])
        if args.get("state"):
            query = query.where(Award.state == AwardState(args["state"]))
        page = db.paginate(query.order_by(Award.year.desc(), Award.id.desc()), page=args["page"],
                           per_page=args["per_page"], error_out=False)
        return {"items": page.items, "meta": page_meta(page)}

    @token_required
    @blp.arguments(AwardCreate)
    @blp.response(201, AwardSchema)
    def post(self, data):
        """提名（县级及以上部门）：本辖区在该年度绩效评价中获评优秀或合格（按设置）的辅导员或服务中心，荣誉级别为本部门
        级别；submit 为真时同时提交上一级部门审核。"""
        user = api_user()

        def run():
            award = services.nominate(user, services.Nomination(AwardSubject(data["subject"]), data["subject_id"],
                                                                data["year"], data["reason"]))
            if data["submit"]:
                services.transition(award, "submit", user)
            return award

        return committed(run)


@blp.route("/<int:award_id>")
@token_required
@blp.response(200, AwardSchema)
def get_award(award_id):
    """一条评优提名。"""
    return _visible_or_404(award_id)


@blp.route("/<int:award_id>/transitions", methods=["POST"])
@token_required
@blp.arguments(AwardTransition)
@blp.response(200, AwardSchema)
def change_state(data, award_id):
    """提名状态变更：submit 提交审核（提名部门），approve 批准、return 退回（上一级部门），withdraw 撤回、reopen
    重新起草（提名部门）。"""
    award = _visible_or_404(award_id)
    committed(lambda: services.transition(award, data["action"], api_user(), data["text"]))
    return award
