"""The agreements API: create (from an invitation or an offering), read, edit, every lifecycle action through
`POST /agreements/<id>/transitions`, and the service records with their chain check. All scoped: officials
see their jurisdiction, parties their own agreements."""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from marketplace.agreements import lifecycle, oversight, records, services
from marketplace.agreements.content import content_hash
from marketplace.agreements.lifecycle import ItemCheck
from marketplace.agreements.models import AgreementStatus, ProviderKind, RecordKind, ServiceMethod
from marketplace.api import (
    IF_MATCH,
    api_user,
    committed,
    lock_version_field,
    requested_version,
    token_required,
    with_etag,
)
from marketplace.api.schemas import QUANTITY_PATTERN, DecimalText, Int, PageArgs, PageMeta, page_meta
from marketplace.centers.models import Offering
from marketplace.errors import NotAllowed
from marketplace.extensions import db
from marketplace.jurisdiction import get_scoped_or_404
from marketplace.limits import AGREEMENT, ITEM, RECORD
from marketplace.masking import mask_phone
from marketplace.needs.models import Invitation, Need

blp = Blueprint("agreements_api", __name__, url_prefix="/agreements", description="服务协议与服务记录")
ACTIONS = lifecycle.API_ACTIONS  # the lifecycle's table: the page's buttons plus item-by-item acceptance


def _values(enum_class) -> list[str]:
    return [m.value for m in enum_class]


def _phone(agreement, phone: str | None) -> str | None:
    """The parties see each other's phones; officials see them masked (个人信息保护)."""
    if phone is None or services.party_of(api_user(), agreement) is not None:
        return phone
    return mask_phone(phone)


class AgreementItemSchema(Schema):
    id = Int(dump_only=True)
    position = Int(dump_only=True)
    name = fields.String(required=True, validate=ITEM["name"].marshmallow(required=True))
    method = fields.Function(lambda i: i.method.value, deserialize=str, required=True,
                             validate=validate.OneOf(_values(ServiceMethod)))
    quantity = DecimalText(QUANTITY_PATTERN, required=True)  # ranges: the service (marketplace.limits.ITEM)
    unit = fields.String(required=True, validate=ITEM["unit"].marshmallow(required=True))
    unit_price = DecimalText(allow_none=True, load_default=None)
    offering_id = Int(allow_none=True, load_default=None)
    quality_standard = fields.String(required=True, validate=ITEM["quality_standard"].marshmallow(required=True))
    acceptance_criterion = fields.String(required=True,
                                         validate=ITEM["acceptance_criterion"].marshmallow(required=True))
    deadline = fields.Date(allow_none=True, load_default=None)
    result = fields.Function(lambda i: i.result.value, dump_only=True)
    result_comment = fields.String(dump_only=True, allow_none=True)


class AgreementSignatureSchema(Schema):
    party = fields.Function(lambda s: s.party.value)
    user_id = Int()
    signed_at = fields.DateTime()
    ip_address = fields.String(allow_none=True)
    content_hash = fields.String()
    version = Int()
    voided_at = fields.DateTime(allow_none=True)


class AgreementSchema(Schema):
    id = Int()
    number = fields.String()
    title = fields.String()
    status = fields.Function(lambda a: a.status.value)
    need_id = Int()
    invitation_id = Int(allow_none=True)
    offering_id = Int(allow_none=True)
    region_code = fields.String()
    provider_kind = fields.Function(lambda a: a.provider_kind.value)
    counselor_id = Int(allow_none=True)
    center_id = Int(allow_none=True)
    entity = fields.Function(lambda a: {"id": a.entity_id, "name": a.entity_name, "address": a.entity_address,
                                        "representative": a.entity_representative, "phone": _phone(a, a.entity_phone),
                                        "credit_code": a.entity_credit_code})
    provider = fields.Function(lambda a: {"name": a.provider_name, "address": a.provider_address,
                                          "representative": a.provider_representative,
                                          "phone": _phone(a, a.provider_phone),
                                          "credit_code": a.provider_credit_code})
    liability = fields.String()
    dispute_resolution = fields.String()
    term_start = fields.Date(allow_none=True)
    term_end = fields.Date(allow_none=True)
    total_amount = DecimalText(allow_none=True)
    version = Int()
    content_hash = fields.Function(lambda a: content_hash(a), metadata={"description": "当前内容的 SHA-256"})
    signed_hash = fields.String(attribute="content_hash", allow_none=True,
                                metadata={"description": "签署时的 SHA-256（首个签名时记录）"})
    items = fields.List(fields.Nested(AgreementItemSchema))
    signatures = fields.List(fields.Nested(AgreementSignatureSchema))
    satisfaction = Int(allow_none=True)
    satisfaction_comment = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    acceptance_due_at = fields.DateTime(allow_none=True)
    signed_at = fields.DateTime(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    lock_version = lock_version_field(dump=True)


class AgreementBrief(Schema):
    id = Int()
    number = fields.String()
    title = fields.String()
    status = fields.Function(lambda a: a.status.value)
    region_code = fields.String()
    entity_name = fields.String()
    provider_kind = fields.Function(lambda a: a.provider_kind.value)
    provider_name = fields.String()
    satisfaction = Int(allow_none=True)
    updated_at = fields.DateTime()


class AgreementPage(Schema):
    items = fields.List(fields.Nested(AgreementBrief))
    meta = fields.Nested(PageMeta)


class AgreementQuery(PageArgs):
    q = fields.String()
    status = fields.String(validate=validate.OneOf(_values(AgreementStatus)))
    provider_kind = fields.String(validate=validate.OneOf(_values(ProviderKind)))
    region_code = fields.String()
    overdue = fields.String(validate=validate.OneOf(oversight.OVERDUE_KINDS))
    need_id = Int()


class AgreementCreate(Schema):
    invitation_id = Int(metadata={"description": "已接受的邀请（二选一）"})
    need_id = Int(metadata={"description": "与 offering_id 一起：购买服务中心的服务项目"})
    offering_id = Int()

    @validates_schema
    def _one_source(self, data, **kwargs):
        if not data.get("invitation_id") and not (data.get("need_id") and data.get("offering_id")):
            raise ValidationError(_("请提供 invitation_id，或同时提供 need_id 和 offering_id"), "invitation_id")


class AgreementUpdate(Schema):
    title = fields.String(validate=AGREEMENT["title"].marshmallow(required=True))
    entity_address = fields.String(allow_none=True, validate=AGREEMENT["entity_address"].marshmallow())
    entity_representative = fields.String(allow_none=True, validate=AGREEMENT["entity_representative"].marshmallow())
    entity_phone = fields.String(allow_none=True, validate=AGREEMENT["entity_phone"].marshmallow())
    provider_address = fields.String(allow_none=True, validate=AGREEMENT["provider_address"].marshmallow())
    provider_representative = fields.String(allow_none=True,
                                            validate=AGREEMENT["provider_representative"].marshmallow())
    provider_phone = fields.String(allow_none=True, validate=AGREEMENT["provider_phone"].marshmallow())
    liability = fields.String(validate=AGREEMENT["liability"].marshmallow(required=True))
    dispute_resolution = fields.String(validate=AGREEMENT["dispute_resolution"].marshmallow(required=True))
    term_start = fields.Date()
    term_end = fields.Date()
    items = fields.List(fields.Nested(AgreementItemSchema))
    lock_version = lock_version_field()


class ItemCheckSchema(Schema):
    item_id = Int(required=True)
    passed = fields.Boolean(required=True)
    comment = fields.String(load_default="")


class AgreementTransition(Schema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    reason = fields.String(load_default="")
    outcome = fields.String(load_default="", metadata={"description": "terminate：违约责任处理结果；mediate：调解结果"})
    result = fields.String(load_default="", metadata={"description": "mediate：resume / terminate / close"})
    content_hash = fields.String(load_default=None, metadata={"description": "sign：签署人看到的内容摘要（可选）"})
    items = fields.List(fields.Nested(ItemCheckSchema), load_default=list,
                        metadata={"description": "accept / request_changes：逐项验收结果"})
    satisfaction = Int(load_default=None, validate=validate.Range(1, 5))
    comment = fields.String(load_default="")


class ServiceRecordSchema(Schema):
    id = Int(dump_only=True)
    seq = Int(dump_only=True)
    served_on = fields.Date(required=True)
    kind = fields.Function(lambda r: r.kind.value, deserialize=str, required=True,
                           validate=validate.OneOf(_values(RecordKind)))
    content = fields.String(required=True, validate=RECORD["content"].marshmallow(required=True))
    participants = fields.String(load_default="", allow_none=True, validate=RECORD["participants"].marshmallow())
    place = fields.String(load_default="", allow_none=True, validate=RECORD["place"].marshmallow())
    corrects_id = Int(load_default=None, allow_none=True)
    prev_hash = fields.String(dump_only=True, allow_none=True)
    record_hash = fields.String(dump_only=True)
    author_id = Int(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    attachments = fields.Function(lambda r: [{"id": a.id, "name": a.original_name, "sha256": a.sha256}
                                             for a in r.attachments], dump_only=True)


class ServiceRecordList(Schema):
    items = fields.List(fields.Nested(ServiceRecordSchema))
    chain = fields.Dict(metadata={"description": "记录链核验：ok、count、broken_seq、problem"})


def _item_input(data: dict) -> services.ItemInput:
    return services.ItemInput(name=data["name"], method=ServiceMethod(data["method"]), quantity=data["quantity"],
                              unit=data["unit"], unit_price=data.get("unit_price"),
                              quality_standard=data["quality_standard"],
                              acceptance_criterion=data["acceptance_criterion"], deadline=data.get("deadline"),
                              offering_id=data.get("offering_id"))


@blp.route("")
class Agreements(MethodView):
    @token_required
    @blp.arguments(AgreementQuery, location="query")
    @blp.response(200, AgreementPage)
    def get(self, args):
        """本辖区的协议（管理员），或本人为一方的协议。overdue=delivery|acceptance 筛选逾期。"""
        filters = services.AgreementFilters(
            q=args.get("q"), status=AgreementStatus(args["status"]) if args.get("status") else None,
            provider_kind=ProviderKind(args["provider_kind"]) if args.get("provider_kind") else None,
            region_code=args.get("region_code"), overdue=args.get("overdue"), need_id=args.get("need_id"))
        page = db.paginate(services.agreement_query(api_user(), filters), page=args["page"],
                           per_page=args["per_page"], error_out=False)
        return {"items": page.items, "meta": page_meta(page)}

    @token_required
    @blp.arguments(AgreementCreate)
    @blp.response(201, AgreementSchema)
    def post(self, data):
        """拟定协议草稿（需求发布人）：由已接受的邀请，或为需求选购服务中心的服务项目。"""
        user = api_user()
        if data.get("invitation_id"):
            invitation = get_scoped_or_404(Invitation, data["invitation_id"], user)
            return committed(lambda: services.create_from_invitation(user, invitation))
        need = get_scoped_or_404(Need, data["need_id"], user)
        offering = db.get_or_404(Offering, data["offering_id"])
        return committed(lambda: services.create_from_offering(user, need, offering))


@blp.route("/<int:agreement_id>")
class AgreementItemView(MethodView):
    @token_required
    @blp.response(200, AgreementSchema)
    def get(self, agreement_id):
        """一份协议，含服务项目、签名和当前内容摘要（ETag 为其 lock_version）。"""
        return with_etag(services.visible_agreement(agreement_id, api_user()))

    @token_required
    @blp.arguments(AgreementUpdate(partial=True))
    @blp.response(200, AgreementSchema)
    @blp.doc(parameters=[IF_MATCH])
    def patch(self, data, agreement_id):
        """修改草拟中或待签署的协议（双方）。已有签名时，修改使签名作废并退回草拟。给出 lock_version 或 If-Match
        时，其间已被他人修改则返回 409。"""
        user = api_user()
        lock = requested_version(data)
        agreement = services.visible_agreement(agreement_id, user)
        if services.party_of(user, agreement) is None:
            raise NotAllowed(_("只有协议双方可以执行此操作"))
        current = services.current_input(agreement)
        for name in services.HEADER:
            if name in data:
                setattr(current, name, data[name] if data[name] is not None else None)
        if "items" in data:
            current.items = [_item_input(item) for item in data["items"]]
        committed(lambda: services.update_agreement(user, agreement, current, lock_version=lock))
        return with_etag(agreement)


@blp.route("/<int:agreement_id>/transitions", methods=["POST"])
@token_required
@blp.arguments(AgreementTransition)
@blp.response(200, AgreementSchema)
def change_status(data, agreement_id):
    """协议状态变更：propose 提交签署，sign 签署，start 开始服务，submit 申请验收，accept 验收通过（items 逐项、
    satisfaction 1–5），request_changes 要求整改（items 中至少一项不合格），close 完结，terminate 违约终止（reason、
    outcome），cancel 签署前取消，dispute 提出争议，mediate 调解（管理员；result、outcome）。"""
    user = api_user()
    agreement = services.visible_agreement(agreement_id, user)
    action = data["action"]
    checks = [ItemCheck(c["item_id"], c["passed"], c["comment"]) for c in data["items"]]

    def run():
        if action == "accept":
            return lifecycle.accept(agreement, user, checks, data["satisfaction"], data["comment"])
        if action == "request_changes":
            return lifecycle.request_changes(agreement, user, checks, data["reason"] or data["comment"])
        from marketplace.agreements.views import run_action

        return run_action(agreement, action, data["reason"], data["outcome"], data["result"], data["content_hash"])

    committed(run)
    return agreement


@blp.route("/<int:agreement_id>/records")
class Records(MethodView):
    @token_required
    @blp.response(200, ServiceRecordList)
    def get(self, agreement_id):
        """服务记录（新在前）及记录链核验结果。"""
        agreement = services.visible_agreement(agreement_id, api_user())
        check = records.verify_chain(agreement.id)
        return {"items": records.records_of(agreement),
                "chain": {"ok": check.ok, "count": check.count, "broken_seq": check.broken_seq,
                          "problem": check.problem}}

    @token_required
    @blp.arguments(ServiceRecordSchema)
    @blp.response(201, ServiceRecordSchema)
    def post(self, data, agreement_id):
        """登记一条服务记录（乙方）。只增不改：更正时用 corrects_id 指向原记录。"""
        user = api_user()
        agreement = services.visible_agreement(agreement_id, user)
        payload = records.RecordInput(served_on=data["served_on"], kind=RecordKind(data["kind"]),
                                      content=data["content"], participants=data.get("participants") or "",
                                      place=data.get("place") or "", corrects_id=data.get("corrects_id"))
        return committed(lambda: records.add_record(user, agreement, payload))


