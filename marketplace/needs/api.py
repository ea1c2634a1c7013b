from __future__ import annotations

from flask import abort
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from marketplace.accounts.models import Role
from marketplace.api import (
    IF_MATCH,
    api_user,
    committed,
    lock_version_field,
    requested_version,
    token_required,
    with_etag,
)
from marketplace.api.schemas import DecimalText, Int, PageArgs, PageMeta, page_meta
from marketplace.entities.models import Entity
from marketplace.errors import NotAllowed
from marketplace.extensions import db
from marketplace.jurisdiction import get_scoped_or_404
from marketplace.limits import NEED
from marketplace.needs import invitations, recommendations, services
from marketplace.needs.candidates import rank_candidates
from marketplace.needs.models import Invitation, Need, NeedStatus, ServiceMode, Urgency
from marketplace.ranking import services as ranking
from marketplace.ranking.records import pool_freshness

blp = Blueprint("needs_api", __name__, url_prefix="/needs", description="服务需求")
invitations_blp = Blueprint("invitations_api", __name__, url_prefix="/invitations", description="邀请与答复")


def _values(enum_class) -> list[str]:
    return [m.value for m in enum_class]


class NeedSchema(Schema):
    id = Int()
    entity_id = Int()
    entity_name = fields.Function(lambda n: n.entity.name)
    entity_verified = fields.Function(lambda n: n.entity.is_verified)
    category = Int(metadata={"description": "一个专长位：1 组织建设 2 规范运营 4 财务会计 8 市场营销 "
                                                       "16 绿色发展 32 技术支持 64 质量标准 128 信贷保险"})
    industry = Int()
    title = fields.String()
    description = fields.String()
    region_code = fields.String()
    region_name = fields.Function(lambda n: n.region.full_name)
    urgency = fields.Function(lambda n: n.urgency.value)
    mode = fields.Function(lambda n: n.mode.value)
    budget = DecimalText(allow_none=True)
    start_on = fields.Date(allow_none=True)
    end_on = fields.Date(allow_none=True)
    status = fields.Function(lambda n: n.status.value)
    assigned_counselor_id = Int(allow_none=True)
    assigned_center_id = Int(allow_none=True)
    opened_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    lock_version = lock_version_field(dump=True)


class NeedPage(Schema):
    items = fields.List(fields.Nested(NeedSchema))
    meta = fields.Nested(PageMeta)


class NeedQuery(PageArgs):
    q = fields.String()
    status = fields.String(validate=validate.OneOf(_values(NeedStatus)))
    category = Int()
    industry = Int()
    urgency = fields.String(validate=validate.OneOf(_values(Urgency)))
    region_code = fields.String()
    entity_id = Int()


class NeedWrite(Schema):
    entity_id = Int(required=True)
    category = Int(required=True)
    industry = Int(load_default=0)
    title = fields.String(required=True, validate=NEED["title"].marshmallow(required=True))
    description = fields.String(required=True, validate=NEED["description"].marshmallow(required=True))
    region_code = fields.String(allow_none=True)
    urgency = fields.String(validate=validate.OneOf(_values(Urgency)), load_default="normal")
    mode = fields.String(validate=validate.OneOf(_values(ServiceMode)), load_default="on_site")
    budget = DecimalText(allow_none=True)  # its range is checked by the service (marketplace.limits.NEED)
    start_on = fields.Date(allow_none=True)
    end_on = fields.Date(allow_none=True)
    publish = fields.Boolean(load_default=False, metadata={"description": "创建后立即发布"})


class NeedUpdate(NeedWrite):
    lock_version = lock_version_field()

    pass


class NeedTransition(Schema):
    action = fields.String(required=True, validate=validate.OneOf(list(services.OWNER_ACTIONS)))
    reason = fields.String(load_default="")


class MatchQuery(Schema):
    kind = fields.String(validate=validate.OneOf(["counselor", "center", "all"]), load_default="counselor")
    limit = Int(validate=validate.Range(1, 50), load_default=10)


class CandidateSchema(Schema):
    kind = fields.String()
    id = Int()
    name = fields.String()
    score = fields.Float()
    reasons = fields.List(fields.String())


class Matches(Schema):
    need_id = Int()
    ranker = fields.String()
    ranker_version = fields.String()
    entity_verified = fields.Boolean()
    pool_built_at = fields.DateTime(metadata={"description": "候选人资料（候选池）的生成时间；状态和在办数量实时核对"})
    pool_age_seconds = Int(metadata={"description": "候选池已生成的秒数"})
    items = fields.List(fields.Nested(CandidateSchema))


class InvitationSchema(Schema):
    id = Int()
    need_id = Int()
    need_title = fields.Function(lambda i: i.need.title)
    kind = fields.Function(lambda i: i.kind.value)
    counselor_id = Int(allow_none=True)
    center_id = Int(allow_none=True)
    candidate_name = fields.String()
    invited_by_id = Int(allow_none=True, metadata={"description": "为空表示系统自动转交"})
    status = fields.Function(lambda i: i.status.value)
    score = fields.Float(allow_none=True)
    match_reasons = fields.Function(lambda i: i.match_reasons.split("；") if i.match_reasons else [])
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    due_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)


class InvitationPage(Schema):
    items = fields.List(fields.Nested(InvitationSchema))
    meta = fields.Nested(PageMeta)


class InvitationQuery(PageArgs):
    need_id = Int()
    status = fields.String()


class InvitationWrite(Schema):
    need_id = Int(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["counselor", "center"]))
    candidate_id = Int(required=True)


class Answer(Schema):
    accept = fields.Boolean(required=True)
    reason = fields.String(load_default="")


def _input(data: dict) -> services.NeedInput:
    return services.NeedInput(
        entity_id=data.get("entity_id"), category=data.get("category", 0), industry=data.get("industry") or 0,
        title=data.get("title", ""), description=data.get("description", ""), region_code=data.get("region_code"),
        urgency=Urgency(data.get("urgency") or "normal"), mode=ServiceMode(data.get("mode") or "on_site"),
        budget=data.get("budget"), start_on=data.get("start_on"), end_on=data.get("end_on"))


def _current(need: Need) -> dict:
    return {"entity_id": need.entity_id, "category": need.category, "industry": need.industry,
            "title": need.title, "description": need.description, "region_code": need.region_code,
            "urgency": need.urgency.value, "mode": need.mode.value, "budget": need.budget,
            "start_on": need.start_on, "end_on": need.end_on}


@blp.route("")
class Needs(MethodView):
    @token_required
    @blp.arguments(NeedQuery, location="query")
    @blp.response(200, NeedPage)
    def get(self, args):
        """本辖区的需求（管理员），或本人发布的需求（经营主体用户）。"""
        filters = services.NeedFilters(
            q=args.get("q"), status=NeedStatus(args["status"]) if args.get("status") else None,
            category=args.get("category"), industry=args.get("industry"),
            urgency=Urgency(args["urgency"]) if args.get("urgency") else None, region_code=args.get("region_code"),
            entity_id=args.get("entity_id"))
        page = db.paginate(services.need_query(api_user(), filters), page=args["page"], per_page=args["per_page"],
                           error_out=False)
        return {"items": page.items, "meta": page_meta(page)}

    @token_required
    @blp.arguments(NeedWrite)
    @blp.response(201, NeedSchema)
    def post(self, data):
        """为本人登记的主体发布需求（默认保存为草稿；publish=true 立即发布）。"""
        entity = get_scoped_or_404(Entity, data["entity_id"], api_user())
        return committed(lambda: services.create_need(api_user(), entity, _input(data), publish=data["publish"]))


@blp.route("/<int:need_id>")
class NeedItem(MethodView):
    @token_required
    @blp.response(200, NeedSchema)
    def get(self, need_id):
        """一条需求（发布人、辖区管理员、受邀辅导员；ETag 为其 lock_version）。"""
        return with_etag(services.visible_need(need_id, api_user()))

    @token_required
    @blp.arguments(NeedUpdate(partial=True))
    @blp.response(200, NeedSchema)
    @blp.doc(parameters=[IF_MATCH])
    def patch(self, data, need_id):
        """修改草稿、待对接或已过期的需求（发布人）。给出 lock_version 或 If-Match 时，其间已被他人修改则返回 409。"""
        need = get_scoped_or_404(Need, need_id, api_user())
        data.pop("publish", None)
        lock = requested_version(data)
        committed(lambda: services.update_need(api_user(), need, _input({**_current(need), **data}),
                                               lock_version=lock))
        return with_etag(need)

    @token_required
    @blp.response(204)
    def delete(self, need_id):
        """删除草稿（发布人）。"""
        need = get_scoped_or_404(Need, need_id, api_user())
        committed(lambda: services.delete_need(api_user(), need))


@blp.route("/<int:need_id>/transitions", methods=["POST"])
@token_required
@blp.arguments(NeedTransition)
@blp.response(200, NeedSchema)
def change_status(data, need_id):
    """变更需求状态（发布人）：publish 发布（草稿 → 待对接），renew 重新发布（已过期 → 待对接），cancel 取消。"""
    need = get_scoped_or_404(Need, need_id, api_user())
    if not services.can_manage(api_user(), need):
        raise NotAllowed(_("只有需求的发布人可以变更状态"))
    committed(lambda: services.transition(need, data["action"], api_user(), data["reason"]))
    return need


class RecommendedProvider(Schema):
    kind = fields.String()
    id = Int()
    name = fields.String()
    is_active = fields.Boolean(metadata={"description": "在聘（辅导员）或已备案（服务中心）"})
    at_capacity = fields.Boolean(metadata={"description": "在办已满：暂不推荐"})
    open_count = Int()
    capacity = Int(allow_none=True)


class RecommendationSchema(Schema):
    need = fields.Nested(NeedSchema)
    provider = fields.Nested(RecommendedProvider)
    score = fields.Float()
    rank = Int(allow_none=True, metadata={"description": "在该需求全部候选中的名次"})
    of = Int(metadata={"description": "该需求的候选总数"})
    reasons = fields.List(fields.String())


class Recommendations(Schema):
    providers = fields.List(fields.Nested(RecommendedProvider))
    items = fields.List(fields.Nested(RecommendationSchema))


@blp.route("/recommended", methods=["GET"])
@token_required
@blp.response(200, Recommendations)
def list_recommended():
    """为您推荐的需求：本人（辅导员）或本人服务中心可承接的待对接需求，按匹配度排序，附名次和推荐理由。"""
    user = api_user()
    if user.role not in (Role.COUNSELOR, Role.CENTER_STAFF):
        raise NotAllowed(_("只有辅导员和服务中心可以查看推荐的需求"))
    providers, items = recommendations.recommend(user)
    return {"providers": providers, "items": items}


@blp.route("/<int:need_id>/matches", methods=["GET"])
@token_required
@blp.arguments(MatchQuery, location="query")
@blp.response(200, Matches)
def list_matches(args, need_id):
    """推荐的候选辅导员或服务中心，按匹配度排序，附推荐理由（发布人、辖区管理员）。"""
    need = get_scoped_or_404(Need, need_id, api_user())
    # what the answer needs of the need is read before the commit expires it (two reloads otherwise)
    items, verified = committed(lambda: (rank_candidates(need, args["kind"], args["limit"], log_for=api_user()),
                                         need.entity.is_verified))
    used = ranking.ranker() if not items else None
    freshness = pool_freshness()
    return {"need_id": need_id, "ranker": items[0].model if items else used.name,
            "ranker_version": items[0].version if items else used.version,
            "entity_verified": verified, "pool_built_at": freshness["built_at"],
            "pool_age_seconds": freshness["age_seconds"], "items": items}


@invitations_blp.route("")
class Invitations(MethodView):
    @token_required
    @invitations_blp.arguments(InvitationQuery, location="query")
    @invitations_blp.response(200, InvitationPage)
    def get(self, args):
        """邀请：辅导员看到发给本人的，经营主体看到本人需求的，管理员看到本辖区的。"""
        query = invitations.visible_invitations(api_user())
        if args.get("need_id"):
            query = query.where(Invitation.need_id == args["need_id"])
        if args.get("status"):
            query = query.where(Invitation.status == args["status"])
        page = db.paginate(query.order_by(Invitation.id.desc()), page=args["page"], per_page=args["per_page"],
                           error_out=False)
        return {"items": page.items, "meta": page_meta(page)}

    @token_required
    @invitations_blp.arguments(InvitationWrite)
    @invitations_blp.response(201, InvitationSchema)
    def post(self, data):
        """邀请一名候选人承接需求（需求发布人）。"""
        need = get_scoped_or_404(Need, data["need_id"], api_user())
        return committed(lambda: invitations.invite(api_user(), need, data["kind"], data["candidate_id"]))


@invitations_blp.route("/<int:invitation_id>/answer", methods=["POST"])
@token_required
@invitations_blp.arguments(Answer)
@invitations_blp.response(200, InvitationSchema)
def answer_invitation(data, invitation_id):
    """答复邀请：accept=true 接受（需求转为已对接），false 谢绝（须填写原因，需求转给下一位候选人）。"""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or not invitations.can_answer(api_user(), invitation):
        abort(404)
    return committed(lambda: invitations.answer(api_user(), invitation, data["accept"], data["reason"]))
