from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from marketplace.accounts import services as accounts
from marketplace.api import error_response
from marketplace.extensions import db, limiter

blp = Blueprint("auth_api", __name__, url_prefix="/auth", description="令牌与密码")


class TokenRequest(Schema):
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)


class TokenResponse(Schema):
    token = fields.String()
    expires_at = fields.DateTime()


class PasswordChange(Schema):
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    new_password = fields.String(required=True, load_only=True)


@blp.route("/token")
class Token(MethodView):
    decorators = [limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])]

    @blp.arguments(TokenRequest)
    @blp.response(201, TokenResponse)
    @blp.alt_response(401, description="用户名或密码错误，或账户已锁定")
    @blp.alt_response(403, description="须先修改初始密码")
    def post(self, data):
        """签发接口令牌 (bearer token)."""
        try:
            user = accounts.authenticate(data["username"], data["password"])
        except accounts.LoginFailed as error:
            db.session.commit()
            return error_response(401, error.message, error.code)
        if user.must_change_password:
            db.session.commit()
            return error_response(403, _("请先修改初始密码（POST /api/v1/auth/password）"), "password_change_required")
        raw, token = accounts.issue_token(user)
        db.session.commit()
        return {"token": raw, "expires_at": token.expires_at}


@blp.route("/password")
class Password(MethodView):
    decorators = [limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])]

    @blp.arguments(PasswordChange)
    @blp.response(204)
    def post(self, data):
        """修改密码（含首次登录修改初始密码）。"""
        try:
            user = accounts.authenticate(data["username"], data["password"])
        except accounts.LoginFailed as error:
            db.session.commit()
            return error_response(401, error.message, error.code)
        accounts.change_password(user, data["password"], data["new_password"])
        db.session.commit()
        return None
