"""`GET /api/v1/certificates/<number>`: the public certificate check, as JSON (no token needed)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from marketplace.directory import certificates
from marketplace.directory.certificate_views import verify_rate
from marketplace.extensions import limiter

blp = Blueprint("certificates_api", __name__, url_prefix="/certificates", description="聘任证书核验（公开）")


class CertificateSchema(Schema):
    certificate_no = fields.String(metadata={"description": "证书编号"})
    valid = fields.Boolean(metadata={"description": "在聘且在聘期内为 true"})
    status = fields.String(metadata={"description": "appointed / suspended / expired / transferred_out / "
                                                    "struck_off / superseded（已被新证书替代）"})
    name = fields.String(metadata={"description": "姓名（部分遮盖）"})
    department = fields.String(metadata={"description": "聘任部门"})
    level = fields.String(metadata={"description": "聘任部门层级：national / province / city / county"})
    term_start = fields.Date(allow_none=True)
    term_end = fields.Date(allow_none=True)


@blp.route("/<certificate_no>")
class CertificateItem(MethodView):
    decorators = [limiter.limit(verify_rate)]

    @blp.response(200, CertificateSchema)
    def get(self, certificate_no):
        """核验一个聘任证书编号：是否有效、状态、姓名（部分遮盖）、聘任部门及聘期。无需令牌。"""
        result = certificates.verify(certificate_no)
        if result is None:
            abort(404)
        return result.as_json()
