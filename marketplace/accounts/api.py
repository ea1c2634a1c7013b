from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import or_

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role, User
from marketplace.api import api_user, token_required
from marketplace.api.schemas import Int, PageArgs, PageMeta, page_meta
from marketplace.errors import NotAllowed
from marketplace.extensions import db
from marketplace.jurisdiction import get_scoped_or_404, scoped

blp = Blueprint("accounts_api", __name__, url_prefix="/accounts", description="账户：逐级签发与管理")


class AccountSchema(Schema):
    id = Int()
    username = fields.String()
    display_name = fields.String()
    role = fields.Function(lambda u: u.role.value)
    region_code = fields.String()
    region_name = fields.Function(lambda u: u.region.full_name)
    department = fields.Function(lambda u: u.department.name if u.department else None)
    level = fields.Function(lambda u: u.level.value if u.level else None)
    phone = fields.Function(lambda u: u.phone_masked or "")
    is_enabled = fields.Boolean()
    must_change_password = fields.Boolean()
    created_at = fields.DateTime()


class AccountPage(Schema):
    items = fields.List(fields.Nested(AccountSchema))
    meta = fields.Nested(PageMeta)


class AccountQuery(PageArgs):
    q = fields.String()
    role = fields.String(validate=validate.OneOf([r.value for r in Role]))


class AccountCreate(Schema):
    username = fields.String(required=True, validate=[validate.Length(3, 64),
                                                      validate.Regexp(r"^[A-Za-z0-9_.@-]+$")])
    display_name = fields.String(required=True, validate=validate.Length(1, 64))
    role = fields.String(required=True, validate=validate.OneOf(["official", "counselor"]))
    region_code = fields.String(required=True)
    department_name = fields.String(validate=validate.Length(max=120))
    phone = fields.String(validate=validate.Regexp(r"^1[3-9]\d{9}$"))
    email = fields.Email()


class AccountIssued(Schema):
    account = fields.Nested(AccountSchema)
    initial_password = fields.String()


class Reason(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 500))


@blp.route("")
class Accounts(MethodView):
    @token_required
    @blp.arguments(AccountQuery, location="query")
    @blp.response(200, AccountPage)
    def get(self, args):
        """列出管辖范围内的账户。"""
        query = scoped(User, api_user()).order_by(User.id)
        if args.get("q"):
            pattern = f"%{args['q']}%"
            query = query.where(or_(User.username.ilike(pattern), User.display_name.ilike(pattern)))
        if args.get("role"):
            query = query.where(User.role == Role(args["role"]))
        page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
        return {"items": page.items, "meta": page_meta(page)}

    @token_required
    @blp.arguments(AccountCreate)
    @blp.response(201, AccountIssued)
    def post(self, data):
        """为下一级部门签发管理员账户，或为本部门签发辅导员账户；返回一次性初始密码。"""
        user, password = accounts.create_account(api_user(), accounts.NewAccount(
            username=data["username"], display_name=data["display_name"], role=Role(data["role"]),
            region_code=data["region_code"], phone=data.get("phone"), email=data.get("email"),
            department_name=data.get("department_name")))
        db.session.commit()
        return {"account": user, "initial_password": password}


@blp.route("/<int:user_id>")
class Account(MethodView):
    @token_required
    @blp.response(200, AccountSchema)
    def get(self, user_id):
        """查看一个账户。"""
        return get_scoped_or_404(User, user_id, api_user())


def _managed(user_id: int) -> User:
    user = get_scoped_or_404(User, user_id, api_user())
    if not accounts.can_manage(api_user(), user):
        raise NotAllowed(_("您无权管理此账户"))
    return user


@blp.route("/<int:user_id>/disable", methods=["POST"])
@token_required
@blp.arguments(Reason)
@blp.response(200, AccountSchema)
def disable(data, user_id):
    """停用下级账户。"""
    user = _managed(user_id)
    accounts.disable_account(api_user(), user, data["reason"])
    db.session.commit()
    return user


@blp.route("/<int:user_id>/enable", methods=["POST"])
@token_required
@blp.arguments(Reason)
@blp.response(200, AccountSchema)
def enable(data, user_id):
    """重新启用下级账户。"""
    user = _managed(user_id)
    accounts.enable_account(api_user(), user, data["reason"])
    db.session.commit()
    return user


@blp.route("/<int:user_id>/reset-password", methods=["POST"])
@token_required
@blp.response(200, AccountIssued)
def reset(user_id):
    """重置下级账户密码；返回新的一次性初始密码。"""
    user = _managed(user_id)
    password = accounts.reset_password(api_user(), user)
    db.session.commit()
    return {"account": user, "initial_password": password}
