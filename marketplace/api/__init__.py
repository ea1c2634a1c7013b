"""The JSON API under /api/v1: bearer-token auth, JSON errors, OpenAPI document and interactive docs.

Each area adds a flask-smorest Blueprint in its own `api.py`; `create_app` lists them. API requests never
use the session cookie: they authenticate with `Authorization: Bearer <token>` only, so CSRF does not apply.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import swagger_ui_bundle
from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    jsonify,
    make_response,
    render_template,
    request,
    send_from_directory,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from marketplace.api import messages  # noqa: F401  (Chinese validation messages)
from marketplace.errors import DomainError
from marketplace.extensions import api, csrf, db, limiter
from marketplace.hardening import HostileInput

PREFIX = "/api/v1"

MESSAGES = {
    400: _l("请求有误"),
    401: _l("未登录或令牌无效"),
    403: _l("无权执行此操作"),
    404: _l("未找到"),
    405: _l("不支持此请求方法"),
    409: _l("与现有数据冲突"),
    413: _l("上传的文件太大"),
    422: _l("输入有误"),
    429: _l("请求过于频繁，请稍后再试"),
    500: _l("服务器内部错误"),
}
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 422: "validation_error", 429: "rate_limited", 500: "server_error"}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
BINARY = {"type": "string", "format": "binary"}


def file_doc(description: str, *content_types: str) -> dict:
    """`blp.doc(**file_doc(...))` for an operation answering a file (xlsx, PDF, a photo) instead of JSON."""
    return {"responses": {"200": {"description": description,
                                  "content": {ct: {"schema": BINARY} for ct in content_types}}}}


def upload_doc(description: str, **form_fields: dict) -> dict:
    """`blp.doc(**upload_doc(...))` for a multipart upload: a required `file` plus the named form fields."""
    properties = {"file": {**BINARY, "description": description}, **form_fields}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file", *form_fields], "properties": properties}}}}}


def error_response(status: int, message: str | None = None, code: str | None = None, **extra: Any):
    body = {"code": code or CODES.get(status, "error"), "message": str(message or MESSAGES.get(status) or _("错误"))}
    body.update(extra)
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="fudao"'
    return response


def api_user():
    """The user authenticated by bearer token for this API request."""
    return g.get("api_user")


def token_required(view):
    """Authenticate the request by bearer token; 401 otherwise. Documents the security requirement."""
    from marketplace.accounts.services import user_for_token

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        header = request.headers.get("Authorization", "")
        scheme, _sep, raw = header.partition(" ")
        user = user_for_token(raw.strip()) if scheme.lower() == "bearer" and raw.strip() else None
        if user is None:
            return error_response(401)
        if user.must_change_password:
            return error_response(403, _("请先修改初始密码"), "password_change_required")
        g.api_user = user
        return view(*args, **kwargs)

    doc = getattr(view, "_apidoc", {})
    wrapper._apidoc = {**doc, "manual_doc": {**doc.get("manual_doc", {}), "security": [{"bearerAuth": []}]}}
    return wrapper


def committed(action):
    """Run a service call and commit; on a refusal roll back and let the error handler answer."""
    try:
        result = action()
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def _is_api_request() -> bool:
    return request.path.startswith(PREFIX + "/") or request.path == PREFIX


def api_rate() -> str:
    """The API's rate limit, read from the serving app's configuration at each request."""
    return current_app.config["RATELIMIT_API"]


def init_api(app: Flask, blueprints: list) -> None:
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "辅导平台（千员带万社）接口。除令牌签发外，均需 `Authorization: Bearer <token>`。"},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    })
    from marketplace.api.schemas import ErrorEnvelope

    api.ERROR_SCHEMA = ErrorEnvelope  # documented as it is answered (error_response), on every operation
    api.init_app(app)
    for blueprint in blueprints:
        csrf.exempt(blueprint)
        # one function for every app: the limiter keeps a blueprint's limits in a set, so a second app (tests,
        # a CLI app beside the server) does not add a second count of the same limit to each request
        limiter.limit(api_rate)(blueprint)
        api.register_blueprint(blueprint, url_prefix=PREFIX + blueprint.url_prefix)
    docs = Blueprint("api_docs", __name__, url_prefix=PREFIX)
    swagger_dir = Path(swagger_ui_bundle.swagger_ui_path)

    @docs.get("/docs")
    def show_docs():
        return render_template("api/docs.html")

    @docs.get("/docs/assets/<path:filename>")
    def docs_asset(filename: str):
        return send_from_directory(swagger_dir, filename)

    app.register_blueprint(docs)


def init_error_handlers(app: Flask) -> None:
    """One handler per kind of failure; JSON under /api/v1, an HTML page elsewhere."""

    def html_error(status: int, message: str | None = None):
        return render_template("errors/error.html", status=status,
                               message=str(message or MESSAGES.get(status) or _("错误"))), status

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        status = error.code or 500
        if _is_api_request():
            data = getattr(error, "data", None) or {}
            fields = data.get("messages") or {}
            fields = fields.get("json", fields)
            if isinstance(fields, list):  # webargs' "Invalid JSON body."
                response = error_response(status, _("请求体不是有效的 JSON"))
            else:
                response = error_response(status, fields=fields) if fields else error_response(status)
        else:
            response = make_response(html_error(status))
        allowed = getattr(error, "valid_methods", None)
        if status == 405 and allowed:  # RFC 9110: a 405 lists the methods the resource supports
            response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(CSRFError)
    def handle_csrf(error: CSRFError):
        return html_error(400, _("页面已过期或表单无效，请刷新页面后重试"))

    @app.errorhandler(HostileInput)
    def handle_hostile(error: HostileInput):
        if _is_api_request():
            return error_response(error.status, error.message, error.code,
                                  **({"field": error.field} if error.field else {}))
        return html_error(error.status, error.message)

    @app.errorhandler(DomainError)
    def handle_domain(error: DomainError):
        if _is_api_request():
            return error_response(error.status, error.message, error.code,
                                  **({"field": error.field} if error.field else {}))
        return html_error(error.status, error.message)

    @app.errorhandler(500)
    def handle_500(error: Exception):
        from marketplace.failsafe import discard_session, plain_page

        discard_session()
        try:
            short, message = _("服务器内部错误"), _("服务器内部错误，请稍后再试；如多次出现，请联系管理员。")
        except Exception:  # the locale could not be chosen: the default language, untranslated
            short, message = "服务器内部错误", "服务器内部错误，请稍后再试；如多次出现，请联系管理员。"
        if _is_api_request():
            return error_response(500, short)
        return plain_page(500, message)

    @app.errorhandler(OSError)
    def handle_storage(error: OSError):
        """An unwritable or full upload/instance folder: say so, write nothing (the transaction is dropped)."""
        from marketplace.failsafe import discard_session, plain_page

        current_app.logger.error("storage error: %s", error, exc_info=error)
        discard_session()
        message = _("服务器暂时无法保存文件（存储目录不可写或空间已满），本次操作未保存任何数据，"
                    "请稍后再试或联系管理员")
        if _is_api_request():
            return error_response(503, message, "storage_unavailable")
        return plain_page(503, message)



# --- optimistic locking (marketplace/versioning.py) -------------------------------------------------------------

LOCK_VERSION_DOC = ("记录的版本号（乐观锁）：每次修改加 1。修改时在请求体中给出读取时的 lock_version，或发送 "
                    "If-Match 头（GET 响应的 ETag）；若其间已被他人修改，返回 409（code 为 stale，“该记录已被他人修改，"
                    "请刷新后再改”），不写入任何内容。两者都不给时按当前版本修改。")
IF_MATCH = {"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
            "description": "读取时响应的 ETag（如 \"3\"），即记录的 lock_version；与请求体的 lock_version 二选一。"}


def lock_version_field(dump: bool = False):
    """The `lock_version` field of a response (dump) or an update request schema."""
    from marshmallow import fields

    if dump:
        return fields.Integer(dump_only=True, metadata={"description": LOCK_VERSION_DOC})
    return fields.Integer(load_default=None, allow_none=True, metadata={"description": LOCK_VERSION_DOC})


def requested_version(data: dict) -> int | None:
    """The version an API update was based on: the body's `lock_version` (removed from `data`) or If-Match."""
    from marketplace.versioning import parse

    body = data.pop("lock_version", None)
    return parse(body if body is not None else request.headers.get("If-Match"))


def with_etag(record):
    """A response of `record` with its version as the ETag (sent back as If-Match on the next update)."""
    return record, 200, {"ETag": f'"{record.lock_version}"'}
