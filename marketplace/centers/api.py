from __future__ import annotations

from flask import abort, request
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from marketplace.api import (
    IF_MATCH,
    api_user,
    file_doc,
    lock_version_field,
    requested_version,
    token_required,
    upload_doc,
    with_etag,
)
from marketplace.api.schemas import DecimalText, Int, PageArgs, PageMeta, page_meta
from marketplace.centers import services, uploads
from marketplace.centers.models import (
    CenterDocument,
    CenterStatus,
    DocumentKind,
    Establishment,
    Offering,
    OperatorType,
    ServiceCenter,
    SetupMode,
)
from marketplace.errors import DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.jurisdiction import get_scoped_or_404

blp = Blueprint("centers_api", __name__, url_prefix="/centers", description="服务中心、备案与服务项目")
catalogue_blp = Blueprint("catalogue_api", __name__, url_prefix="/catalogue",
                          description="公开服务目录（已备案服务中心及其价格，无需令牌）")

CATEGORY_HELP = ("位掩码：1 组织建设 2 规范运营 4 财务会计 8 市场营销 16 绿色发展 32 技术支持 64 质量标准 "
                 "128 信贷保险")


def _values(enum_class) -> list[str]:
    return [m.value for m in enum_class]


class PriceChangeSchema(Schema):
    old_min = DecimalText(allow_none=True)
    old_max = DecimalText(allow_none=True)
    new_min = DecimalText()
    new_max = DecimalText()
    changed_by_id = Int(allow_none=True)
    changed_at = fields.DateTime()


class PublicOfferingSchema(Schema):
    id = Int()
    name = fields.String()
    category = Int(metadata={"description": "一个服务类别：" + CATEGORY_HELP})
    description = fields.String(allow_none=True)
    unit = fields.String()
    price_min = DecimalText()
    price_max = DecimalText()
    service_standard = fields.String(allow_none=True)
    delivery_days = Int(allow_none=True)


class OfferingSchema(PublicOfferingSchema):
    center_id = Int()
    is_active = fields.Boolean()
    updated_at = fields.DateTime()
    lock_version = lock_version_field(dump=True)
    price_history = fields.List(fields.Nested(PriceChangeSchema), attribute="price_changes")


class OfferingWrite(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 120))
    category = Int(required=True)
    unit = fields.String(required=True, validate=validate.Length(1, 32))
    price_min = DecimalText(required=True)
    price_max = DecimalText(allow_none=True, metadata={"description": "不填则为单一价格"})
    description = fields.String(allow_none=True)
    service_standard = fields.String(allow_none=True)
    delivery_days = Int(allow_none=True)
    is_active = fields.Boolean()


class OfferingUpdate(OfferingWrite):
    lock_version = lock_version_field()

    """The offering fields, all optional (used with partial=True)."""


class DocumentSchema(Schema):
    id = Int()
    kind = fields.Function(lambda d: d.kind.value)
    original_name = fields.String()
    content_type = fields.String()
    size = Int()
    uploaded_by_id = Int()
    uploaded_at = fields.DateTime()


class EventSchema(Schema):
    action = fields.String()
    from_status = fields.Function(lambda e: e.from_status.value if e.from_status else None)
    to_status = fields.Function(lambda e: e.to_status.value if e.to_status else None)
    reason = fields.String(allow_none=True)
    deadline = fields.Date(allow_none=True)
    actor_id = Int(allow_none=True)
    created_at = fields.DateTime()


class PublicCenterSchema(Schema):
    id = Int()
    name = fields.String()
    operator_type = fields.Function(lambda c: c.operator_type.value)
    operator_name = fields.String()
    operator_credit_code = fields.String()
    address = fields.String()
    region_code = fields.String()
    region_name = fields.Function(lambda c: c.region.full_name)
    service_area_codes = fields.Function(lambda c: [r.code for r in c.service_areas])
    categories = Int(metadata={"description": CATEGORY_HELP})
    staff_count = Int()
    opening_hours = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    filing_number = fields.String(allow_none=True)


class CatalogueCenterSchema(PublicCenterSchema):
    offerings = fields.List(fields.Nested(PublicOfferingSchema))


class CenterSchema(PublicCenterSchema):
    setup_mode = fields.Function(lambda c: c.setup_mode.value)
    establishment = fields.Function(lambda c: c.establishment.value)
    status = fields.Function(lambda c: c.status.value)
    filed_at = fields.DateTime(allow_none=True)
    rectify_deadline = fields.Date(allow_none=True)
    owner_id = Int()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    lock_version = lock_version_field(dump=True)


class CenterDetailSchema(CenterSchema):
    events = fields.List(fields.Nested(EventSchema))
    documents = fields.List(fields.Nested(DocumentSchema))


class CenterPage(Schema):
    items = fields.List(fields.Nested(CenterSchema))
    meta = fields.Nested(PageMeta)


class CataloguePage(Schema):
    items = fields.List(fields.Nested(CatalogueCenterSchema))
    meta = fields.Nested(PageMeta)


class CenterQuery(PageArgs):
    q = fields.String()
    status = fields.String(validate=validate.OneOf(_values(CenterStatus)))
    region_code = fields.String()
    category = Int()


class CatalogueQuery(PageArgs):
    region_code = fields.String()
    category = Int()


class CenterWrite(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 120))
    operator_type = fields.String(required=True, validate=validate.OneOf(_values(OperatorType)))
    operator_name = fields.String(required=True, validate=validate.Length(1, 120))
    operator_credit_code = fields.String(required=True)
    setup_mode = fields.String(required=True, validate=validate.OneOf(_values(SetupMode)))
    establishment = fields.String(required=True, validate=validate.OneOf(_values(Establishment)))
    address = fields.String(required=True, validate=validate.Length(1, 200))
    region_code = fields.String(required=True)
    service_area_codes = fields.List(fields.String())
    categories = Int(required=True, metadata={"description": CATEGORY_HELP})
    staff_count = Int(validate=validate.Range(0, 10000))
    opening_hours = fields.String(allow_none=True, validate=validate.Length(max=120))
    contact_phone = fields.String(allow_none=True, validate=validate.Length(max=20))


class CenterUpdate(CenterWrite):
    lock_version = lock_version_field()

    """The registration fields, all optional (used with partial=True)."""


class CenterTransition(Schema):
    action = fields.String(required=True, validate=validate.OneOf(list(services.TRANSITIONS)))
    reason = fields.String(load_default="")
    deadline = fields.Date(allow_none=True, metadata={"description": "责令整改（rectify）时的整改期限"})


def _input(data: dict) -> services.CenterInput:
    return services.CenterInput(
        name=data.get("name", ""), operator_type=OperatorType(data["operator_type"]),
        operator_name=data.get("operator_name", ""), operator_credit_code=data.get("operator_credit_code", ""),
        setup_mode=SetupMode(data["setup_mode"]), establishment=Establishment(data["establishment"]),
        address=data.get("address", ""), region_code=data.get("region_code", ""),
        service_area_codes=data.get("service_area_codes") or [], categories=data.get("categories", 0),
        staff_count=data.get("staff_count", 0), opening_hours=data.get("opening_hours"),
        contact_phone=data.get("contact_phone"))


def _current(center: ServiceCenter) -> dict:
    return {
        "name": center.name, "operator_type": center.operator_type.value, "operator_name": center.operator_name,
        "operator_credit_code": center.operator_credit_code, "setup_mode": center.setup_mode.value,
        "establishment": center.establishment.value, "address": center.address, "region_code": center.region_code,
        "service_area_codes": [r.code for r in center.service_areas], "categories": center.categories,
        "staff_count": center.staff_count, "opening_hours": center.opening_hours,
        "contact_phone": center.contact_phone,
    }


def _offering_input(data: dict) -> services.OfferingInput:
    return services.OfferingInput(
        name=data.get("name", ""), category=data.get("category", 0), unit=data.get("unit", ""),
        price_min=data.get("price_min"), price_max=data.get("price_max"), description=data.get("description"),
        service_standard=data.get("service_standard"), delivery_days=data.get("delivery_days"))


def _staff_or_official() -> None:
    if not (api_user().is_official or api_user().role.value == "center_staff"):
        raise NotAllowed(_("无权查看服务中心"))


@blp.route("")
class Centers(MethodView):
    @token_required
    @blp.arguments(CenterQuery, location="query")
    @blp.response(200, CenterPage)
    def get(self, args):
        """本辖区的服务中心（管理员）或本账户登记的服务中心（服务中心账户）。"""
        _staff_or_official()
        filters = services.CenterFilters(
            q=args.get("q"), status=CenterStatus(args["status"]) if args.get("status") else None,
            region_code=args.get("region_code"), category=args.get("category"))
        page = db.paginate(services.center_query(api_user(), filters), page=args["page"],
                           per_page=args["per_page"], error_out=False)
        return {"items": page.items, "meta": page_meta(page)}

    @token_required
    @blp.arguments(CenterWrite)
    @blp.response(201, CenterSchema)
    def post(self, data):
        """登记服务中心（服务中心账户），状态为草稿。"""
        center = services.register_center(api_user(), _input(data))
        db.session.commit()
        return center


@blp.route("/<int:center_id>")
class CenterItem(MethodView):
    @token_required
    @blp.response(200, CenterDetailSchema)
    def get(self, center_id):
        """一个服务中心，含备案记录和制度文件列表（ETag 为其 lock_version）。"""
        return with_etag(get_scoped_or_404(ServiceCenter, center_id, api_user()))

    @token_required
    @blp.arguments(CenterUpdate(partial=True))
    @blp.response(200, CenterSchema)
    @blp.doc(parameters=[IF_MATCH])
    def patch(self, data, center_id):
        """修改服务中心信息（仅登记账户，草稿或退回修改时）。未给出的字段保持不变；给出 lock_version 或 If-Match
        时，其间已被他人修改则返回 409。"""
        center = get_scoped_or_404(ServiceCenter, center_id, api_user())
        lock = requested_version(data)
        services.update_center(api_user(), center, _input({**_current(center), **data}), lock_version=lock)
        db.session.commit()
        return with_etag(center)


@blp.route("/<int:center_id>/transitions", methods=["POST"])
@token_required
@blp.arguments(CenterTransition)
@blp.response(200, CenterSchema)
def change_status(data, center_id):
    """备案操作：submit 提交、file 备案、return 退回、warn 警示、rectify 整改（须 deadline）、restore 恢复、
    delist 摘牌。非法操作返回 409，状态不变。"""
    center = get_scoped_or_404(ServiceCenter, center_id, api_user())
    services.transition(center, data["action"], api_user(), data["reason"], data.get("deadline"))
    db.session.commit()
    return center


@blp.route("/<int:center_id>/documents")
class Documents(MethodView):
    @token_required
    @blp.response(200, DocumentSchema(many=True))
    def get(self, center_id):
        """制度文件（工作指南、行为规范、价格公开、服务记录追溯）。"""
        return get_scoped_or_404(ServiceCenter, center_id, api_user()).documents

    @token_required
    @blp.doc(**upload_doc("制度文件（PDF、PNG、JPEG、docx、xlsx）", kind={
        "type": "string", "enum": [k.value for k in DocumentKind]}))
    @blp.response(201, DocumentSchema)
    def post(self, center_id):
        """上传制度文件：multipart 表单，字段 kind（guidelines/conduct/prices/records）和 file。
        按内容检查类型（PDF、PNG、JPEG、docx、xlsx），大小有上限。"""
        center = get_scoped_or_404(ServiceCenter, center_id, api_user())
        if not services.is_owner(api_user(), center):
            raise NotAllowed(_("只有登记该服务中心的账户可以上传文件"))
        upload = request.files.get("file")
        try:
            kind = DocumentKind(request.form.get("kind", ""))
        except ValueError:
            raise DomainError(_("请选择文件类别"), field="kind") from None
        if upload is None:
            raise DomainError(_("请选择要上传的文件"), field="file")
        document = services.add_document(api_user(), center, kind, upload.stream, upload.filename)
        db.session.commit()
        return document


@blp.route("/<int:center_id>/documents/<int:document_id>", methods=["GET"])
@blp.doc(**file_doc("文件内容", *(t.content_type for t in uploads.ALLOWED)))
@token_required
def download_document(center_id, document_id):
    """下载一个制度文件（附件）。"""
    center = get_scoped_or_404(ServiceCenter, center_id, api_user())
    document = db.session.get(CenterDocument, document_id)
    if document is None or document.center_id != center.id:
        abort(404)
    return uploads.send(document.stored_name, document.content_type, document.original_name)


@blp.route("/<int:center_id>/offerings")
class Offerings(MethodView):
    @token_required
    @blp.response(200, OfferingSchema(many=True))
    def get(self, center_id):
        """服务项目（含已下架）及价格变更记录。"""
        center = get_scoped_or_404(ServiceCenter, center_id, api_user())
        return db.session.scalars(select(Offering).where(Offering.center_id == center.id).order_by(Offering.id)).all()

    @token_required
    @blp.arguments(OfferingWrite)
    @blp.response(201, OfferingSchema)
    def post(self, data, center_id):
        """添加服务项目（仅登记账户）。"""
        center = get_scoped_or_404(ServiceCenter, center_id, api_user())
        offering = services.add_offering(api_user(), center, _offering_input(data))
        if data.get("is_active") is False:
            services.set_offering_active(api_user(), offering, False)
        db.session.commit()
        return offering


def _offering(center_id: int, offering_id: int) -> Offering:
    center = get_scoped_or_404(ServiceCenter, center_id, api_user())
    offering = db.session.get(Offering, offering_id)
    if offering is None or offering.center_id != center.id:
        abort(404)
    return offering


@blp.route("/<int:center_id>/offerings/<int:offering_id>")
class OfferingItem(MethodView):
    @token_required
    @blp.response(200, OfferingSchema)
    def get(self, center_id, offering_id):
        """一个服务项目及其价格变更记录（ETag 为其 lock_version）。"""
        return with_etag(_offering(center_id, offering_id))

    @token_required
    @blp.arguments(OfferingUpdate(partial=True))
    @blp.response(200, OfferingSchema)
    @blp.doc(parameters=[IF_MATCH])
    def patch(self, data, center_id, offering_id):
        """修改服务项目；价格变化记入价格变更记录；is_active 上架或下架。给出 lock_version 或 If-Match 时，其间已被
        他人修改则返回 409。"""
        offering = _offering(center_id, offering_id)
        lock = requested_version(data)
        current = {"name": offering.name, "category": offering.category, "unit": offering.unit,
                   "price_min": offering.price_min, "price_max": offering.price_max,
                   "description": offering.description, "service_standard": offering.service_standard,
                   "delivery_days": offering.delivery_days}
        if "price_min" in data and "price_max" not in data:
            current["price_max"] = None  # a new single price
        services.update_offering(api_user(), offering, _offering_input({**current, **data}), lock_version=lock)
        if "is_active" in data:
            services.set_offering_active(api_user(), offering, data["is_active"])
        db.session.commit()
        return with_etag(offering)


@catalogue_blp.route("", methods=["GET"])
@catalogue_blp.arguments(CatalogueQuery, location="query")
@catalogue_blp.response(200, CataloguePage)
def list_catalogue(args):
    """公开服务目录：已备案的服务中心及其在售服务项目和价格，可按地区（含下级）和服务类别筛选。"""
    page = db.paginate(services.catalogue_query(args.get("region_code"), args.get("category")), page=args["page"],
                       per_page=args["per_page"], error_out=False)
    return {"items": page.items, "meta": page_meta(page)}


@catalogue_blp.route("/<int:center_id>", methods=["GET"])
@catalogue_blp.response(200, CatalogueCenterSchema)
def show_catalogue_center(center_id):
    """一个已备案服务中心的公开信息和价格。"""
    return services.public_center_or_404(center_id)
