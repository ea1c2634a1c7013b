"""Notices over the API: the notices that reached me (or, for officials, those of my jurisdiction), one notice
(reading it there does not mark it read; POST .../read does), publishing one, and its read counts."""

from __future__ import annotations

from flask import abort
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from marketplace.api import api_user, committed, token_required
from marketplace.api.schemas import Int, PageArgs, PageMeta, page_meta
from marketplace.errors import NotAllowed
from marketplace.extensions import db
from marketplace.notices import services
from marketplace.notices.models import Notice, RecipientKind

blp = Blueprint("notices_api", __name__, url_prefix="/notices", description="通知公告")
KINDS = [k.value for k in RecipientKind]


class NoticeAttachmentSchema(Schema):
    id = Int()
    name = fields.String(attribute="original_name")
    content_type = fields.String()
    size = Int()


class NoticeSchema(Schema):
    id = Int()
    title = fields.String()
    department = fields.Function(lambda n: n.department.name)
    region_code = fields.String()
    audience = fields.Function(lambda n: [k.value for k in n.kinds])
    is_public = fields.Boolean()
    state = fields.Function(lambda n: n.state.value)
    published_at = fields.DateTime(allow_none=True)


class NoticeDetailSchema(NoticeSchema):
    body = fields.String()
    attachments = fields.List(fields.Nested(NoticeAttachmentSchema))
    read_at = fields.DateTime(allow_none=True)


class NoticePage(Schema):
    items = fields.List(fields.Nested(NoticeSchema))
    meta = fields.Nested(PageMeta)


class NoticeQuery(PageArgs):
    box = fields.String(load_default="received", validate=validate.OneOf(["received", "sent"]),
                        metadata={"description": "received：收到的；sent：本辖区发布的（仅官员）"})


class NoticeWrite(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=services.MAX_TITLE))
    body = fields.String(required=True, validate=validate.Length(min=1, max=services.MAX_BODY))
    audience = fields.List(fields.String(validate=validate.OneOf(KINDS)), required=True,
                           validate=validate.Length(min=1, max=len(KINDS)))
    is_public = fields.Boolean(load_default=False)
    publish = fields.Boolean(load_default=True, metadata={"description": "立即发布（false：保存为草稿）"})


class CountSchema(Schema):
    region_code = fields.String(allow_none=True)
    region_name = fields.String(allow_none=True)
    read = Int()
    total = Int()


class CountsSchema(Schema):
    region_code = fields.String()
    read = Int()
    total = Int()
    regions = fields.List(fields.Nested(CountSchema))
    kinds = fields.Dict(keys=fields.String(), values=fields.Nested(CountSchema))


class CountsQuery(Schema):
    region = fields.String(load_default=None, validate=validate.Length(max=12),
                           metadata={"description": "下钻到的地区代码（默认为通知发布地区）"})


def _visible_or_404(notice_id: int) -> Notice:
    notice = services.get_visible_or_none(api_user(), notice_id)
    if notice is None:
        abort(404)
    return notice


class _Detail:
    """A notice as the reader may see it: a withdrawn one has no body or files for its recipients."""

    def __init__(self, notice: Notice):
        receipt = services.receipt_of(api_user(), notice)
        hidden = notice.state.value == "withdrawn" and not api_user().is_official
        self._notice, self.read_at = notice, receipt.read_at if receipt else None
        self.body, self.attachments = ("", []) if hidden else (notice.body, notice.attachments)

    def __getattr__(self, name: str):
        return getattr(self._notice, name)


def _detail(notice: Notice) -> _Detail:
    return _Detail(notice)


@blp.route("")
class Notices(MethodView):
    @token_required
    @blp.arguments(NoticeQuery, location="query")
    @blp.response(200, NoticePage)
    def get(self, args):
        """收到的通知（最新在前）；官员可用 box=sent 查看本辖区发布的通知。"""
        user = api_user()
        query = services.sent(user) if args["box"] == "sent" else services.received(user)
        page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
        return {"items": page.items, "meta": page_meta(page)}

    @token_required
    @blp.arguments(NoticeWrite)
    @blp.response(201, NoticeDetailSchema)
    def post(self, data):
        """官员：以本部门名义起草并（默认）发布通知，后台分批送达辖区内所选类别的接收对象。"""
        user = api_user()
        if not services.can_publish(user):
            raise NotAllowed(_("只有农业农村部门可以发布通知公告"))
        kinds = [RecipientKind(v) for v in data["audience"]]
        notice_input = services.NoticeInput(title=data["title"], body=data["body"], kinds=kinds,
                                            is_public=data["is_public"])

        def create():
            notice = services.create_notice(user, notice_input)
            if data["publish"]:
                services.transition(notice, "publish", user)
            return notice

        return _detail(committed(create))


@blp.route("/<int:notice_id>")
@token_required
@blp.response(200, NoticeDetailSchema)
def get_notice(notice_id):
    """一条通知（接收对象、发布部门及其上级）。"""
    return _detail(_visible_or_404(notice_id))


@blp.route("/<int:notice_id>/read", methods=["POST"])
@token_required
@blp.response(200, NoticeDetailSchema)
def read_notice(notice_id):
    """接收对象标记已读（等同于在页面上打开）。"""
    notice = _visible_or_404(notice_id)
    if services.receipt_of(api_user(), notice) is None:
        raise NotAllowed(_("这条通知不是发给您的"))
    committed(lambda: services.open_notice(api_user(), notice))
    return _detail(notice)


def _count(row, code=None) -> dict:
    return {"region_code": code if code is not None else (row.region.code if row.region else None),
            "region_name": row.region.name if row.region else None, "read": row.read, "total": row.total}


@blp.route("/<int:notice_id>/counts")
@token_required
@blp.arguments(CountsQuery, location="query")
@blp.response(200, CountsSchema)
def get_counts(args, notice_id):
    """阅读情况：已读/接收人数，按下一级地区和接收对象类别（发布部门及其上级）。"""
    notice = _visible_or_404(notice_id)
    if not services.can_see_counts(api_user(), notice):
        raise NotAllowed(_("只有发布部门及其上级可以查看阅读情况"))
    region_code = services.drill_region(notice, args.get("region"), api_user())
    result = services.counts(notice, region_code)
    return {"region_code": result["region"].code, "read": result["overall"].read, "total": result["overall"].total,
            "regions": [_count(r) for r in result["rows"]],
            "kinds": {k.value: _count(row, "") for k, row in result["kinds"]}}
