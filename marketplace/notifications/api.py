from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from marketplace.api import api_user, token_required
from marketplace.api.schemas import Int, PageArgs, PageMeta, page_meta
from marketplace.extensions import db
from marketplace.jurisdiction import get_scoped_or_404, scoped
from marketplace.notifications import services
from marketplace.notifications.models import Notification

blp = Blueprint("notifications_api", __name__, url_prefix="/notifications", description="站内消息")


class NotificationSchema(Schema):
    id = Int()
    title = fields.String()
    body = fields.String()
    link = fields.String(allow_none=True)
    is_read = fields.Boolean()
    created_at = fields.DateTime()


class NotificationPage(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    meta = fields.Nested(PageMeta)
    unread = Int()


@blp.route("")
class Notifications(MethodView):
    @token_required
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, NotificationPage)
    def get(self, args):
        """我的消息，最新在前。"""
        query = scoped(Notification, api_user()).order_by(Notification.created_at.desc(), Notification.id.desc())
        page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
        return {"items": page.items, "meta": page_meta(page), "unread": services.unread_count(api_user())}


@blp.route("/<int:notification_id>/read", methods=["POST"])
@token_required
@blp.response(200, NotificationSchema)
def read(notification_id):
    """标为已读。"""
    notification = get_scoped_or_404(Notification, notification_id, api_user())
    services.mark_read(api_user(), notification)
    db.session.commit()
    return notification
