"""Claims over the API: an operator claims a department-held entity; officials of the county or above approve or
reject. Scoped like the pages (officials: the entity's region in their jurisdiction; operators: their own)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from marketplace.api import api_user, committed, token_required
from marketplace.api.schemas import Int, PageArgs, PageMeta, page_meta
from marketplace.entities import claims
from marketplace.entities.models import ClaimStatus, EntityClaim
from marketplace.extensions import db
from marketplace.jurisdiction import get_scoped_or_404

blp = Blueprint("entity_claims_api", __name__, url_prefix="/entities/claims", description="经营主体认领")


def _hints(claim: EntityClaim) -> dict | None:
    """Only officials see whether the proof matches the imported record."""
    return claims.proof_hints(claim) if api_user().is_official else None


class ClaimSchema(Schema):
    id = Int()
    status = fields.Function(lambda c: c.status.value)
    entity_id = Int()
    entity_name = fields.Function(lambda c: c.entity.name)
    region_code = fields.String()
    region_name = fields.Function(lambda c: c.region.full_name)
    claimant_id = Int()
    legal_representative = fields.String()
    contact_phone = fields.Function(
        lambda c: c.contact_phone if api_user().id == c.claimant_id else c.contact_phone_masked,
        metadata={"description": "申请人本人看到完整号码，管理员看到掩码（是否与登记信息一致见 proof_matches）"})
    note = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    proof_matches = fields.Function(_hints, metadata={
        "description": "仅管理员可见：申请人填写的法定代表人、联系电话是否与登记信息一致"})
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class ClaimPage(Schema):
    items = fields.List(fields.Nested(ClaimSchema))
    meta = fields.Nested(PageMeta)


class ClaimQuery(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in ClaimStatus]))
    region_code = fields.String()
    q = fields.String()


class ClaimWrite(Schema):
    credit_code = fields.String(load_default="", metadata={"description": "统一社会信用代码"})
    name = fields.String(load_default="", metadata={"description": "没有信用代码的家庭农场：名称"})
    region_code = fields.String(load_default="", metadata={"description": "没有信用代码的家庭农场：所在乡镇代码"})
    legal_representative = fields.String(required=True, validate=validate.Length(1, 64))
    contact_phone = fields.String(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=500))


class Rejection(Schema):
    reason = fields.String(load_default="")


@blp.route("")
class Claims(MethodView):
    @token_required
    @blp.arguments(ClaimQuery, location="query")
    @blp.response(200, ClaimPage)
    def get(self, args):
        """本辖区主体的认领申请（管理员），或本人的认领申请（经营主体用户）。"""
        filters = claims.ClaimFilters(status=ClaimStatus(args["status"]) if args.get("status") else None,
                                      region_code=args.get("region_code"), q=args.get("q"))
        page = db.paginate(claims.claim_query(api_user(), filters), page=args["page"], per_page=args["per_page"],
                           error_out=False)
        return {"items": page.items, "meta": page_meta(page)}

    @token_required
    @blp.arguments(ClaimWrite)
    @blp.response(201, ClaimSchema)
    def post(self, data):
        """申请认领由农业农村部门登记的主体（经营主体用户）：信用代码，或家庭农场的名称和所在乡镇。"""
        lookup = claims.Lookup(data["credit_code"], data["name"], data["region_code"])
        proof = claims.Proof(data["legal_representative"], data["contact_phone"], data["note"])
        return committed(lambda: claims.submit_claim(api_user(), lookup, proof))


def _decide(claim_id: int, action: str, reason: str = "") -> EntityClaim:
    claim = get_scoped_or_404(EntityClaim, claim_id, api_user())
    committed(lambda: claims.transition(claim, action, api_user(), reason))
    return claim


@blp.route("/<int:claim_id>/approve", methods=["POST"])
@token_required
@blp.response(200, ClaimSchema)
def approve_claim(claim_id):
    """通过认领：主体移交申请人（主体所在地县级及以上农业农村部门）。"""
    return _decide(claim_id, "approve")


@blp.route("/<int:claim_id>/reject", methods=["POST"])
@token_required
@blp.arguments(Rejection)
@blp.response(200, ClaimSchema)
def reject_claim(data, claim_id):
    """驳回认领，须填写原因（主体所在地县级及以上农业农村部门）。"""
    return _decide(claim_id, "reject", data["reason"])


@blp.route("/<int:claim_id>/withdraw", methods=["POST"])
@token_required
@blp.response(200, ClaimSchema)
def withdraw_claim(claim_id):
    """撤回待审核的认领申请（申请人）。"""
    return _decide(claim_id, "withdraw")
