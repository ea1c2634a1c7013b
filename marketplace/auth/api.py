from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from marketplace.accounts import services as accounts
from marketplace.api import error_response, token_required
from marketplace.auth import totp
from marketplace.auth.throttle import SignInThrottled
from marketplace.extensions import db, limiter

blp = Blueprint("auth_api", __name__, url_prefix="/auth", description="令牌与密码")


class TokenRequest(Schema):
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    otp = fields.String(load_only=True, metadata={"description": "启用两步验证的账户：验证码或恢复码"})


class TokenResponse(Schema):
    token = fields.String()
    expires_at = fields.DateTime()


class PasswordChange(Schema):
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    new_password = fields.String(required=True, load_only=True)
    otp = fields.String(load_only=True, metadata={"description": "启用两步验证的账户：验证码或恢复码"})


@blp.route("/token")
class Token(MethodView):
    decorators = [limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])]

    @blp.arguments(TokenRequest)
    @blp.response(201, TokenResponse)
    @blp.alt_response(401, description="用户名或密码错误，或两步验证码错误")
    @blp.alt_response(403, description="须先修改初始密码，或须先在网页上启用两步验证")
    @blp.alt_response(429, description="尝试过于频繁，稍后再试")
    def post(self, data):
        """签发接口令牌 (bearer token)."""
        try:
            user = accounts.authenticate(data["username"], data["password"], request.remote_addr)
        except (accounts.LoginFailed, SignInThrottled) as error:
            db.session.commit()
            return error_response(error.status, error.message, error.code)
        if user.must_change_password:
            db.session.commit()
            return error_response(403, _("请先修改初始密码（POST /api/v1/auth/password）"), "password_change_required")
        if user.has_totp:
            if not totp.verify(user, data.get("otp")):
                accounts.second_factor_failed(user, request.remote_addr)
                db.session.commit()
                return error_response(401, _("两步验证码不正确（字段 otp）"), "otp_required")
        elif totp.is_required(user):
            db.session.commit()
            return error_response(403, _("您的账户须先在网页上启用两步验证"), "totp_enrolment_required")
        accounts.record_sign_in(user, via="api")
        raw, token = accounts.issue_token(user)
        db.session.commit()
        return {"token": raw, "expires_at": token.expires_at}

    @token_required
    @blp.response(204)
    @blp.alt_response(401, description="未提供有效令牌")
    def delete(self):
        """吊销本次请求所用的令牌（退出）。"""
        raw = request.headers.get("Authorization", "").partition(" ")[2].strip()
        accounts.revoke_token(raw)
        db.session.commit()
        return None


@blp.route("/password")
class Password(MethodView):
    decorators = [limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])]

    @blp.arguments(PasswordChange)
    @blp.response(204)
    def post(self, data):
        """修改密码（含首次登录修改初始密码）。"""
        try:
            user = accounts.authenticate(data["username"], data["password"], request.remote_addr)
        except (accounts.LoginFailed, SignInThrottled) as error:
            db.session.commit()
            return error_response(error.status, error.message, error.code)
        if user.has_totp and not totp.verify(user, data.get("otp")):
            accounts.second_factor_failed(user, request.remote_addr)
            db.session.commit()
            return error_response(401, _("两步验证码不正确（字段 otp）"), "otp_required")
        accounts.change_password(user, data["password"], data["new_password"])  # ends sessions and tokens
        db.session.commit()
        return None
