from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from marketplace.api.schemas import Int
from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.regions.services import current_children

blp = Blueprint("regions_api", __name__, url_prefix="/regions", description="行政区划（公开）")


class RegionSchema(Schema):
    code = fields.String()
    name = fields.String()
    full_name = fields.String()
    level = fields.Function(lambda r: r.level.value)
    parent_code = fields.String()
    valid_from = Int(allow_none=True)
    valid_to = Int(allow_none=True)
    source = fields.String()


@blp.route("/<code>")
class RegionItem(MethodView):
    @blp.response(200, RegionSchema)
    def get(self, code):
        """一个区划代码（含历史代码及其有效期）。"""
        region = db.session.get(Region, code)
        if region is None:
            abort(404)
        return region


@blp.route("/<code>/children")
class RegionChildren(MethodView):
    @blp.response(200, RegionSchema(many=True))
    def get(self, code):
        """某区划的现行下级区划。"""
        if db.session.get(Region, code) is None:
            abort(404)
        return current_children(code)
