from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from marketplace.api import api_user, token_required
from marketplace.api.schemas import Int, PageArgs, PageMeta, page_meta
from marketplace.audit.models import AuditEntry
from marketplace.errors import NotAllowed
from marketplace.extensions import db
from marketplace.jurisdiction import scoped

blp = Blueprint("audit_api", __name__, url_prefix="/audit", description="审计日志（管理员，本辖区）")


class AuditSchema(Schema):
    id = Int()
    actor_id = Int(allow_none=True)
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String(allow_none=True)
    region_code = fields.String(allow_none=True)
    ip_address = fields.String(allow_none=True)
    details = fields.Dict()
    created_at = fields.DateTime()


class AuditQuery(PageArgs):
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String()


class AuditPage(Schema):
    items = fields.List(fields.Nested(AuditSchema))
    meta = fields.Nested(PageMeta)


@blp.route("")
class AuditEntries(MethodView):
    @token_required
    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, AuditPage)
    def get(self, args):
        """本辖区的审计日志。"""
        if not api_user().is_official:
            raise NotAllowed(_("仅管理员可查看审计日志"))
        query = scoped(AuditEntry, api_user())
        for key in ("action", "object_type", "object_id"):
            if args.get(key):
                query = query.where(getattr(AuditEntry, key) == args[key])
        page = db.paginate(query.order_by(AuditEntry.id.desc()), page=args["page"], per_page=args["per_page"],
                           error_out=False)
        return {"items": page.items, "meta": page_meta(page)}
