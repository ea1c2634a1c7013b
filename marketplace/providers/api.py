"""Provider pages, reviews and question threads over the API.

A provider page and its reviews are public (no token: public fields only); with a bearer token the reader
also gets the load, the needs served by type and industry, the spread of the ratings, the latest grade and
training hours. Answering and hiding reviews and the threads need a token."""

from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from marketplace.api import api_user, committed, token_required
from marketplace.api.schemas import Int
from marketplace.errors import NotAllowed
from marketplace.extensions import db
from marketplace.needs.models import Need
from marketplace.providers import services, threads

blp = Blueprint("providers_api", __name__, url_prefix="/providers",
                description="服务方主页、评价与邀请前提问（主页和评价无需令牌）")

KIND_PATH = {"counselors": "counselor", "centers": "center"}
KIND_HELP = "counselors（辅导员）或 centers（服务中心）"


class ServiceAreaSchema(Schema):
    code = fields.String()
    name = fields.String()


class ProviderSatisfactionSchema(Schema):
    count = Int()
    mean = fields.Float(allow_none=True)
    spread = fields.Dict(keys=fields.String(), values=Int(), metadata={"description": "各分值（5…1）的评价次数"})
    stdev = fields.Float(allow_none=True)


class ProviderReviewSchema(Schema):
    agreement_id = Int()
    rating = Int()
    comment = fields.String(allow_none=True)
    rated_at = fields.DateTime(allow_none=True)
    entity_type = fields.Function(lambda r: r.entity_type.value)
    county = fields.String()
    reply = fields.String(allow_none=True)
    replied_at = fields.DateTime(allow_none=True)
    is_hidden = fields.Boolean(metadata={"description": "只有辖区内的官员会看到已隐藏的评价"})
    hidden_reason = fields.String(allow_none=True)


class ProviderPriceChangeSchema(Schema):
    old_min = fields.Decimal(as_string=True, allow_none=True)
    old_max = fields.Decimal(as_string=True, allow_none=True)
    new_min = fields.Decimal(as_string=True)
    new_max = fields.Decimal(as_string=True)
    changed_at = fields.DateTime()


class ProviderOfferingSchema(Schema):
    id = Int()
    name = fields.String()
    category = Int()
    unit = fields.String()
    price_min = fields.Decimal(as_string=True)
    price_max = fields.Decimal(as_string=True)
    price_history = fields.List(fields.Nested(ProviderPriceChangeSchema), attribute="price_changes")


class ProviderLoadSchema(Schema):
    open = Int()
    capacity = Int(allow_none=True)


class NeedsServedSchema(Schema):
    total = Int()
    by_type = fields.Dict(keys=fields.String(), values=Int(), metadata={"description": "需求类别位值 → 数量"})
    by_industry = fields.Dict(keys=fields.String(), values=Int(), metadata={"description": "产业位值 → 数量"})


class ProviderAwardSchema(Schema):
    title = fields.String()
    year = Int(allow_none=True)
    by = fields.String(allow_none=True)


class ProviderSchema(Schema):
    kind = fields.String()
    id = Int(attribute="provider.id")
    name = fields.String(attribute="provider.name")
    region = fields.String(attribute="provider.region.full_name")
    specialties = Int(metadata={"description": "业务专长位掩码"})
    industries = Int(allow_none=True, metadata={"description": "产业位掩码（服务中心为空）"})
    work_mode = fields.String(allow_none=True)
    is_remote = fields.Boolean(allow_none=True)
    is_public = fields.Boolean(attribute="provider.is_public")
    service_areas = fields.List(fields.Nested(ServiceAreaSchema), attribute="areas")
    agreements_accepted = Int(attribute="accepted")
    satisfaction = fields.Nested(ProviderSatisfactionSchema)
    reviews = fields.List(fields.Nested(ProviderReviewSchema))
    awards = fields.List(fields.Nested(ProviderAwardSchema))
    offerings = fields.List(fields.Nested(ProviderOfferingSchema))
    signed_in = fields.Boolean(metadata={"description": "带令牌时为 true，并给出以下各项"})
    load = fields.Nested(ProviderLoadSchema, allow_none=True)
    served = fields.Nested(NeedsServedSchema, allow_none=True)
    grade = fields.String(allow_none=True, metadata={"description": "最新考评等级"})
    training_hours = fields.Decimal(as_string=True, allow_none=True, attribute="hours")


class ReviewList(Schema):
    items = fields.List(fields.Nested(ProviderReviewSchema))


class ReplyWrite(Schema):
    reply = fields.String(required=True, validate=validate.Length(1, services.REPLY_MAX))


class HideWrite(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, services.REASON_MAX))


class NeedMessageSchema(Schema):
    id = Int()
    side = fields.Function(lambda m: m.side.value, metadata={"description": "operator（需求发布方）或 provider"})
    body = fields.String()
    created_at = fields.DateTime()


class ThreadSchema(Schema):
    need_id = Int()
    kind = fields.String()
    candidate_id = Int()
    candidate_name = fields.String()
    can_write = fields.Boolean()
    messages = fields.List(fields.Nested(NeedMessageSchema))


class MessageWrite(Schema):
    body = fields.String(required=True, validate=validate.Length(1, threads.MAX_LENGTH),
                         metadata={"description": "不得包含电话号码或身份证号"})


def _optional_user():
    """The bearer token's user when one is given and valid; None (the public) otherwise."""
    from marketplace.accounts.services import user_for_token

    scheme, _sep, raw = request.headers.get("Authorization", "").partition(" ")
    user = user_for_token(raw.strip()) if scheme.lower() == "bearer" and raw.strip() else None
    return None if user is None or user.must_change_password else user


def _kind(kind_path: str) -> str:
    if kind_path not in KIND_PATH:
        abort(404)
    return KIND_PATH[kind_path]


def _page_data(kind: str, provider, user) -> dict:
    data = services.page(kind, provider, user)
    counselor = kind == "counselor"
    data.update(specialties=provider.specialties if counselor else provider.categories,
                industries=provider.industries if counselor else None,
                work_mode=provider.work_mode.value if counselor else None,
                is_remote=provider.is_remote if counselor else None)
    return data


@blp.route("/<kind_path>/<int:provider_id>", methods=["GET"])
@blp.doc(parameters=[{"in": "path", "name": "kind_path", "required": True, "description": KIND_HELP,
                      "schema": {"type": "string", "enum": list(KIND_PATH)}}])
@blp.response(200, ProviderSchema)
def show_provider(kind_path, provider_id):
    """一个服务方的主页：公开信息、平台记录和最近的评价（评价只给出主体类型和所在县）。带令牌可看到更多。"""
    kind = _kind(kind_path)
    user = _optional_user()
    provider = services.visible_provider(kind, provider_id, user)
    return _page_data(kind, provider, user)


@blp.route("/<kind_path>/<int:provider_id>/reviews", methods=["GET"])
@blp.doc(parameters=[{"in": "path", "name": "kind_path", "required": True, "description": KIND_HELP,
                      "schema": {"type": "string", "enum": list(KIND_PATH)}}])
@blp.response(200, ReviewList)
def list_reviews(kind_path, provider_id):
    """服务方最近的评价（最多 10 条，新的在前）。"""
    kind = _kind(kind_path)
    user = _optional_user()
    services.visible_provider(kind, provider_id, user)
    return {"items": services.reviews(kind, provider_id, user)}


@blp.route("/reviews/<int:agreement_id>/reply", methods=["POST"])
@token_required
@blp.arguments(ReplyWrite)
@blp.response(201, ProviderReviewSchema)
def reply_review(data, agreement_id):
    """被评价的服务方回复一次评价。"""
    agreement = services.rated_agreement_or_404(agreement_id)
    committed(lambda: services.reply_to_review(agreement, api_user(), data["reply"]))
    return _one_review(agreement)


@blp.route("/reviews/<int:agreement_id>/hide", methods=["POST"])
@token_required
@blp.arguments(HideWrite)
@blp.response(201, ProviderReviewSchema)
def hide_review(data, agreement_id):
    """辖区内的官员隐藏不当评价，须说明原因（记入审计日志）。"""
    agreement = services.rated_agreement_or_404(agreement_id)
    committed(lambda: services.hide_review(agreement, api_user(), data["reason"]))
    return _one_review(agreement)


def _one_review(agreement):
    kind = agreement.provider_kind.value
    rows = services.reviews(kind, agreement.counselor_id or agreement.center_id, api_user(), limit=10_000)
    return next(r for r in rows if r.agreement_id == agreement.id)


def _thread(need_id: int, kind_path: str, candidate_id: int):
    kind = _kind(kind_path)
    need = db.session.get(Need, need_id)
    if need is None:
        abort(404)
    candidate = threads.candidate_or_404(kind, candidate_id)
    if not threads.can_read(api_user(), need, candidate):
        abort(404)
    return need, candidate


def _thread_body(need, candidate) -> dict:
    rows = threads.messages(need, candidate)
    return {"need_id": need.id, "kind": candidate.kind, "candidate_id": candidate.id,
            "candidate_name": candidate.name, "messages": rows,
            "can_write": threads.can_write(api_user(), need, candidate, rows)}


THREAD_PARAMS = [{"in": "path", "name": "kind_path", "required": True, "description": KIND_HELP,
                  "schema": {"type": "string", "enum": list(KIND_PATH)}}]


@blp.route("/questions/<int:need_id>/<kind_path>/<int:candidate_id>", methods=["GET"])
@token_required
@blp.doc(parameters=THREAD_PARAMS)
@blp.response(200, ThreadSchema)
def show_thread(need_id, kind_path, candidate_id):
    """需求发布方与一位候选服务方之间关于该需求的提问和回复（双方和辖区官员可见）。"""
    return _thread_body(*_thread(need_id, kind_path, candidate_id))


@blp.route("/questions/<int:need_id>/<kind_path>/<int:candidate_id>", methods=["POST"])
@token_required
@blp.doc(parameters=THREAD_PARAMS)
@blp.arguments(MessageWrite)
@blp.response(201, ThreadSchema)
def post_message(data, need_id, kind_path, candidate_id):
    """需求发布方提问，或被提问的服务方回复；对方收到通知。消息中的电话号码和身份证号会被拒绝。"""
    need, candidate = _thread(need_id, kind_path, candidate_id)
    if threads.side_of(api_user(), need, candidate) is None:
        raise NotAllowed(_("只有需求的发布者和被提问的服务方可以留言"))
    committed(lambda: threads.post(api_user(), need, candidate, data["body"]))
    return _thread_body(need, candidate)


