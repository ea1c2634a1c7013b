from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

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
from marketplace.entities import services
from marketplace.entities.models import Entity, EntityType, ModelLevel, VerificationStatus
from marketplace.extensions import db
from marketplace.jurisdiction import get_scoped_or_404

blp = Blueprint("entities_api", __name__, url_prefix="/entities", description="新型农业经营主体")


def _values(enum_class) -> list[str]:
    return [m.value for m in enum_class]


class EntitySchema(Schema):
    id = Int()
    type = fields.Function(lambda e: e.type.value)
    name = fields.String()
    credit_code = fields.String(allow_none=True)
    legal_representative = fields.String()
    contact_phone = fields.Function(lambda e: services.contact_phone_for(api_user(), e),
                                    metadata={"description": "登记人可见完整号码，其他人为掩码"})
    region_code = fields.String()
    region_name = fields.Function(lambda e: e.region.full_name)
    address = fields.String(allow_none=True)
    industries = Int(metadata={"description": "位掩码：1 粮油作物 2 果树 4 蔬菜 8 畜牧养殖 16 水产养殖 "
                                                         "32 休闲农业 64 农产品加工 128 其他"})
    members = Int(allow_none=True)
    area_mu = DecimalText(allow_none=True)
    livestock_head = Int(allow_none=True)
    model_level = fields.Function(lambda e: e.model_level.value)
    founded_year = Int(allow_none=True)
    owner_id = Int()
    verification_status = fields.Function(lambda e: e.verification_status.value)
    verification_note = fields.String(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    lock_version = lock_version_field(dump=True)


class EntityPage(Schema):
    items = fields.List(fields.Nested(EntitySchema))
    meta = fields.Nested(PageMeta)


class EntityQuery(PageArgs):
    q = fields.String()
    type = fields.String(validate=validate.OneOf(_values(EntityType)))
    verification_status = fields.String(validate=validate.OneOf(_values(VerificationStatus)))
    region_code = fields.String()
    industry = Int()


class EntityWrite(Schema):
    type = fields.String(required=True, validate=validate.OneOf(_values(EntityType)))
    name = fields.String(required=True, validate=validate.Length(1, 120))
    credit_code = fields.String(load_default="", allow_none=True)
    legal_representative = fields.String(required=True, validate=validate.Length(1, 64))
    contact_phone = fields.String(required=True)
    region_code = fields.String(required=True)
    address = fields.String(allow_none=True, validate=validate.Length(max=200))
    industries = Int(required=True, validate=validate.Range(1, 255))
    members = Int(allow_none=True)
    area_mu = DecimalText(allow_none=True)
    livestock_head = Int(allow_none=True)
    model_level = fields.String(validate=validate.OneOf(_values(ModelLevel)), load_default="none")
    founded_year = Int(allow_none=True)


class EntityUpdate(EntityWrite):
    lock_version = lock_version_field()

    """The same fields as for registering, all optional (used with partial=True)."""


class Verification(Schema):
    verified = fields.Boolean(required=True)
    note = fields.String(load_default="")


def _input(data: dict) -> services.EntityInput:
    return services.EntityInput(
        type=EntityType(data["type"]) if data.get("type") else None, name=data.get("name", ""),
        credit_code=data.get("credit_code") or "", legal_representative=data.get("legal_representative", ""),
        contact_phone=data.get("contact_phone", ""), region_code=data.get("region_code", ""),
        address=data.get("address"), industries=data.get("industries", 0), members=data.get("members"),
        area_mu=data.get("area_mu"), livestock_head=data.get("livestock_head"),
        model_level=ModelLevel(data.get("model_level") or "none"), founded_year=data.get("founded_year"))


def _current(entity: Entity) -> dict:
    return {"type": entity.type.value, "name": entity.name, "credit_code": entity.credit_code or "",
            "legal_representative": entity.legal_representative, "contact_phone": entity.contact_phone,
            "region_code": entity.region_code, "address": entity.address, "industries": entity.industries,
            "members": entity.members, "area_mu": entity.area_mu, "livestock_head": entity.livestock_head,
            "model_level": entity.model_level.value, "founded_year": entity.founded_year}


@blp.route("")
class Entities(MethodView):
    @token_required
    @blp.arguments(EntityQuery, location="query")
    @blp.response(200, EntityPage)
    def get(self, args):
        """本辖区的经营主体（管理员），或本人登记的主体（经营主体用户）。"""
        filters = services.EntityFilters(
            q=args.get("q"), type=EntityType(args["type"]) if args.get("type") else None,
            status=VerificationStatus(args["verification_status"]) if args.get("verification_status") else None,
            region_code=args.get("region_code"), industry=args.get("industry"))
        page = db.paginate(services.entity_query(api_user(), filters), page=args["page"],
                           per_page=args["per_page"], error_out=False)
        return {"items": page.items, "meta": page_meta(page)}

    @token_required
    @blp.arguments(EntityWrite)
    @blp.response(201, EntitySchema)
    def post(self, data):
        """登记一个经营主体（经营主体用户）。合作社和联合社须填写统一社会信用代码。"""
        return committed(lambda: services.register_entity(api_user(), _input(data)))


class RevealRequest(Schema):
    purpose = fields.String(required=True, validate=validate.Length(1, 500),
                            metadata={"description": "用途（记入审计日志）"})


class RevealedContact(Schema):
    contact_phone = fields.String()


@blp.route("/<int:entity_id>/reveal", methods=["POST"])
@token_required
@blp.arguments(RevealRequest)
@blp.response(200, RevealedContact)
def reveal_contact(data, entity_id):
    """完整联系电话（辖区管理员，须说明用途，记入审计日志）。"""
    entity = get_scoped_or_404(Entity, entity_id, api_user())
    return {"contact_phone": committed(lambda: services.reveal_contact(api_user(), entity, data["purpose"]))}


@blp.route("/<int:entity_id>")
class EntityItem(MethodView):
    @token_required
    @blp.response(200, EntitySchema)
    def get(self, entity_id):
        """一个经营主体（ETag 为其 lock_version）。"""
        return with_etag(get_scoped_or_404(Entity, entity_id, api_user()))

    @token_required
    @blp.arguments(EntityUpdate(partial=True))
    @blp.response(200, EntitySchema)
    @blp.doc(parameters=[IF_MATCH])
    def patch(self, data, entity_id):
        """修改主体信息（登记人）。已核实的主体修改后须重新核实。给出 lock_version 或 If-Match 时，其间已被他人修改
        则返回 409。"""
        entity = get_scoped_or_404(Entity, entity_id, api_user())
        lock = requested_version(data)
        committed(lambda: services.update_entity(api_user(), entity, _input({**_current(entity), **data}),
                                                 lock_version=lock))
        return with_etag(entity)

    @token_required
    @blp.response(204)
    def delete(self, entity_id):
        """删除尚未发布需求的主体（登记人）。"""
        entity = get_scoped_or_404(Entity, entity_id, api_user())
        committed(lambda: services.delete_entity(api_user(), entity))


@blp.route("/<int:entity_id>/verification", methods=["POST"])
@token_required
@blp.arguments(Verification)
@blp.response(200, EntitySchema)
def verify_entity(data, entity_id):
    """核实主体，或要求更正（主体所在县的农业农村部门）。"""
    entity = get_scoped_or_404(Entity, entity_id, api_user())
    committed(lambda: services.verify_entity(api_user(), entity, data["verified"], data["note"]))
    return entity
