from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
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
from marketplace.api.schemas import Int, PageArgs, PageMeta, page_meta
from marketplace.directory import services
from marketplace.directory.models import (
    Counselor,
    CounselorStatus,
    Education,
    PoliticalStatus,
    Source,
    WorkMode,
)
from marketplace.directory.search import (
    SORTS,
    CounselorFilters,
    audit_identifier_search,
    counselor_query,
    identifier_search,
)
from marketplace.errors import NotAllowed
from marketplace.extensions import db
from marketplace.jurisdiction import get_scoped_or_404

blp = Blueprint("counselors_api", __name__, url_prefix="/counselors", description="辅导员名录库")


def _values(enum_class) -> list[str]:
    return [m.value for m in enum_class]


class CounselorSchema(Schema):
    id = Int()
    name = fields.String()
    gender = fields.Function(lambda c: c.gender.value)
    id_number = fields.String(attribute="id_number_masked")
    phone = fields.String(attribute="phone_masked")
    political_status = fields.Function(lambda c: c.political_status.value if c.political_status else None)
    education = fields.Function(lambda c: c.education.value if c.education else None)
    title = fields.String(allow_none=True)
    employer = fields.String(allow_none=True)
    position = fields.String(allow_none=True)
    region_code = fields.String()
    region_name = fields.Function(lambda c: c.region.full_name)
    specialties = Int(metadata={"description": "位掩码：1 组织建设 2 规范运营 4 财务会计 8 市场营销 "
                                                          "16 绿色发展 32 技术支持 64 质量标准 128 信贷保险"})
    industries = Int(metadata={"description": "位掩码：1 粮油作物 2 果树 4 蔬菜 8 畜牧养殖 16 水产养殖 "
                                                         "32 休闲农业 64 农产品加工 128 其他"})
    work_mode = fields.Function(lambda c: c.work_mode.value)
    source = fields.Function(lambda c: c.source.value)
    is_remote = fields.Boolean()
    capacity = Int()
    service_area_codes = fields.Function(lambda c: [r.code for r in c.service_areas])
    department_id = Int()
    department = fields.Function(lambda c: c.department.name)
    appointed_on = fields.Date()
    term_end = fields.Date()
    certificate_no = fields.String()
    status = fields.Function(lambda c: c.status.value)
    data_year = Int(allow_none=True)
    updated_at = fields.DateTime()
    lock_version = lock_version_field(dump=True)


class CounselorCreated(CounselorSchema):
    warnings = fields.Function(lambda c: [w] if (w := services.appointment_warning(c)) else [],
                               metadata={"description": "提示，如聘期已结束时按“期满”录入"})


class CounselorPage(Schema):
    items = fields.List(fields.Nested(CounselorSchema))
    meta = fields.Nested(PageMeta)


class CounselorQuery(PageArgs):
    q = fields.String()
    region_code = fields.String()
    specialty = Int()
    industry = Int()
    status = fields.String(validate=validate.OneOf(_values(CounselorStatus)))
    work_mode = fields.String(validate=validate.OneOf(_values(WorkMode)))
    source = fields.String(validate=validate.OneOf(_values(Source)))
    sort = fields.String(validate=validate.OneOf(list(SORTS)), load_default="-updated_at")


class CounselorWrite(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 64))
    id_number = fields.String(required=True)
    phone = fields.String(required=True)
    region_code = fields.String(required=True)
    specialties = Int(required=True, validate=validate.Range(1, 255))
    industries = Int(required=True, validate=validate.Range(1, 255))
    work_mode = fields.String(required=True, validate=validate.OneOf(_values(WorkMode)))
    source = fields.String(required=True, validate=validate.OneOf(_values(Source)))
    appointed_on = fields.Date(required=True)
    term_end = fields.Date()
    political_status = fields.String(validate=validate.OneOf(_values(PoliticalStatus)), allow_none=True)
    education = fields.String(validate=validate.OneOf(_values(Education)), allow_none=True)
    title = fields.String(allow_none=True, validate=validate.Length(max=64))
    employer = fields.String(allow_none=True, validate=validate.Length(max=120))
    position = fields.String(allow_none=True, validate=validate.Length(max=64))
    is_remote = fields.Boolean()
    capacity = Int(validate=validate.Range(0, 100))
    service_area_codes = fields.List(fields.String())


class CounselorUpdate(CounselorWrite):
    """The same fields as for an appointment, all optional (used with partial=True)."""

    lock_version = lock_version_field()


class Transition(Schema):
    action = fields.String(required=True, validate=validate.OneOf(
        ["suspend", "resume", "renew", "transfer_out", "strike_off"]))
    reason = fields.String(load_default="")
    term_end = fields.Date()


def _input(data: dict) -> services.CounselorInput:
    def enum(cls, key):
        return cls(data[key]) if data.get(key) else None

    return services.CounselorInput(
        name=data.get("name", ""), id_number=data.get("id_number", ""), phone=data.get("phone", ""),
        region_code=data.get("region_code", ""), specialties=data.get("specialties", 0),
        industries=data.get("industries", 0), work_mode=enum(WorkMode, "work_mode"), source=enum(Source, "source"),
        appointed_on=data.get("appointed_on"), term_end=data.get("term_end"),
        political_status=enum(PoliticalStatus, "political_status"), education=enum(Education, "education"),
        title=data.get("title"), employer=data.get("employer"), position=data.get("position"),
        is_remote=data.get("is_remote", False), capacity=data.get("capacity", 5),
        service_area_codes=data.get("service_area_codes") or [])


def _current(counselor: Counselor) -> dict:
    from marketplace import crypto

    return {
        "name": counselor.name, "id_number": crypto.decrypt(counselor.id_number_cipher),
        "phone": crypto.decrypt(counselor.phone_cipher), "region_code": counselor.region_code,
        "specialties": counselor.specialties, "industries": counselor.industries,
        "work_mode": counselor.work_mode.value, "source": counselor.source.value,
        "appointed_on": counselor.appointed_on, "term_end": counselor.term_end,
        "political_status": counselor.political_status.value if counselor.political_status else None,
        "education": counselor.education.value if counselor.education else None, "title": counselor.title,
        "employer": counselor.employer, "position": counselor.position, "is_remote": counselor.is_remote,
        "capacity": counselor.capacity, "service_area_codes": [r.code for r in counselor.service_areas],
    }


def _officials_only() -> None:
    if not api_user().is_official and api_user().role.value != "counselor":
        raise NotAllowed(_("无权查看名录库"))


@blp.route("")
class Counselors(MethodView):
    @token_required
    @blp.arguments(CounselorQuery, location="query")
    @blp.response(200, CounselorPage)
    def get(self, args):
        """名录库中本辖区的辅导员（身份证号码和手机号码为掩码）。

        q 可为姓名、证书编号、完整身份证号码或手机号码（按身份证号或手机号查询记入审计日志，号码以掩码记录）。"""
        _officials_only()
        filters = CounselorFilters(
            q=args.get("q"), region_code=args.get("region_code"), specialty=args.get("specialty"),
            industry=args.get("industry"), status=CounselorStatus(args["status"]) if args.get("status") else None,
            work_mode=WorkMode(args["work_mode"]) if args.get("work_mode") else None,
            source=Source(args["source"]) if args.get("source") else None, sort=args["sort"])
        page = db.paginate(counselor_query(api_user(), filters), page=args["page"], per_page=args["per_page"],
                           error_out=False)
        if identifier_search(filters.q):
            audit_identifier_search(api_user(), filters.q, page.total or 0)
            db.session.commit()
        return {"items": page.items, "meta": page_meta(page)}

    @token_required
    @blp.arguments(CounselorWrite)
    @blp.response(201, CounselorCreated)
    def post(self, data):
        """聘任一名辅导员（县级及以上部门）；聘期已结束的按“期满”录入并在 warnings 中说明。"""
        counselor = services.appoint_counselor(api_user(), _input(data))
        db.session.commit()
        return counselor


@blp.route("/<int:counselor_id>")
class CounselorItem(MethodView):
    @token_required
    @blp.response(200, CounselorSchema)
    def get(self, counselor_id):
        """一名辅导员的记录（ETag 为其 lock_version）。"""
        return with_etag(get_scoped_or_404(Counselor, counselor_id, api_user()))

    @token_required
    @blp.arguments(CounselorUpdate(partial=True))
    @blp.response(200, CounselorSchema)
    @blp.doc(parameters=[IF_MATCH])
    def patch(self, data, counselor_id):
        """修改记录（仅聘任部门；7–12 月须上级解锁）。未给出的字段保持不变；给出 lock_version 或 If-Match 时，
        记录其间已被他人修改则返回 409。"""
        counselor = get_scoped_or_404(Counselor, counselor_id, api_user())
        lock = requested_version(data)
        services.update_counselor(api_user(), counselor, _input({**_current(counselor), **data}), lock_version=lock)
        db.session.commit()
        return with_etag(counselor)


@blp.route("/<int:counselor_id>/transitions", methods=["POST"])
@token_required
@blp.arguments(Transition)
@blp.response(200, CounselorSchema)
def change_status(data, counselor_id):
    """变更聘任状态：暂停、恢复、续聘、调出、除名。"""
    counselor = get_scoped_or_404(Counselor, counselor_id, api_user())
    committed(lambda: services.transition(counselor, data["action"], api_user(), data["reason"],
                                          data.get("term_end")))
    return counselor




# --- 服务主体类型和数量 (art. 14) and the counselor's yearly window -------------------------------------------------

ENTITY_TYPES = ["cooperative", "federation", "family_farm"]


class ServedTypeSchema(Schema):
    entity_type = fields.Function(lambda r: r.entity_type.value,
                                  metadata={"description": "cooperative / federation / family_farm"})
    on_platform = Int(metadata={"description": "平台内协议服务的主体数（按主体去重）"})
    off_platform = Int(metadata={"description": "聘任部门登记的平台外服务主体数"})
    total = Int()


class ServedYearSchema(Schema):
    year = Int()
    by_type = fields.List(fields.Nested(ServedTypeSchema))


class OffPlatformSchema(Schema):
    id = Int()
    entity_type = fields.Function(lambda e: e.entity_type.value)
    count = Int()
    year = Int()
    note = fields.String(allow_none=True)
    recorded_by = fields.Function(lambda e: e.recorded_by.display_name)
    created_at = fields.DateTime()


class ServedSchema(Schema):
    total = Int()
    on_platform = Int()
    off_platform = Int()
    by_type = fields.List(fields.Nested(ServedTypeSchema))
    by_year = fields.Function(lambda s: [ServedYearSchema().dump({"year": y, "by_type": rows})
                                         for y, rows in s.by_year.items()],
                              metadata={"description": "按年度（新到旧）"})
    entries = fields.List(fields.Nested(OffPlatformSchema))


class OffPlatformWrite(Schema):
    entity_type = fields.String(required=True, validate=validate.OneOf(ENTITY_TYPES))
    count = Int(required=True, validate=validate.Range(1, 10_000))
    year = Int(required=True, validate=validate.Range(2000, 2100))
    note = fields.String(allow_none=True, validate=validate.Length(max=500))


@blp.route("/<int:counselor_id>/served")
class CounselorServed(MethodView):
    @token_required
    @blp.response(200, ServedSchema)
    def get(self, counselor_id):
        """服务主体类型和数量：平台内协议服务的主体（已签署及以后、未取消或终止，按主体去重）加平台外服务。"""
        from marketplace.directory import served

        return served.served(get_scoped_or_404(Counselor, counselor_id, api_user()))

    @token_required
    @blp.arguments(OffPlatformWrite)
    @blp.response(201, OffPlatformSchema)
    def post(self, data, counselor_id):
        """登记平台外服务（仅聘任部门）：主体类型、数量、年度、备注；记入审计日志。"""
        from marketplace.directory import served
        from marketplace.entities.models import EntityType

        counselor = get_scoped_or_404(Counselor, counselor_id, api_user())
        return committed(lambda: served.record_off_platform(
            api_user(), counselor, EntityType(data["entity_type"]), data["count"], data["year"], data.get("note")))


@blp.route("/<int:counselor_id>/served/<int:entry_id>", methods=["DELETE"])
@token_required
@blp.response(204)
def remove_served(counselor_id, entry_id):
    """删除一条平台外服务记录（仅聘任部门；记入审计日志）。"""
    from marketplace.directory import served

    counselor = get_scoped_or_404(Counselor, counselor_id, api_user())
    committed(lambda: served.remove_off_platform(api_user(), counselor, entry_id))


class OwnWindowSchema(Schema):
    is_open = fields.Boolean(metadata={"description": "今天是否在年度信息维护期（1 月 1 日至 6 月 30 日）内"})
    start = fields.Date()
    end = fields.Date(metadata={"description": "须在此日期前完成"})
    next_start = fields.Date()
    days_left = Int()
    data_year = Int(metadata={"description": "本次维护的信息年度（上一年）"})
    updated_this_year = fields.Boolean()
    missing = fields.List(fields.String(), metadata={"description": "待补充的字段"})
    is_confirmed = fields.Boolean()
    confirmed_at = fields.DateTime(allow_none=True)


@blp.route("/<int:counselor_id>/yearly")
class CounselorYearly(MethodView):
    @token_required
    @blp.response(200, OwnWindowSchema)
    def get(self, counselor_id):
        """年度信息维护：应在 6 月 30 日前完成的事项、待补充字段、本人是否已确认。"""
        from marketplace.directory import yearly

        return yearly.own_window(get_scoped_or_404(Counselor, counselor_id, api_user()))


@blp.route("/<int:counselor_id>/yearly/confirm", methods=["POST"])
@token_required
@blp.response(200, OwnWindowSchema)
def confirm_own_data(counselor_id):
    """辅导员本人确认名录信息为最新（仅维护期内；记入变更记录和审计日志，聘任部门可见）。"""
    from marketplace.directory import yearly

    counselor = get_scoped_or_404(Counselor, counselor_id, api_user())
    committed(lambda: yearly.confirm_own_data(api_user(), counselor))
    return yearly.own_window(counselor)
