"""Template globals: navigation by role, the unread count, labels, masking and pagination helpers."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, request, url_for
from flask_babel import format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.accounts.models import Role
from marketplace.audit.services import ACTION_LABELS
from marketplace.directory import labels as directory_labels
from marketplace.directory.labels import flag_labels
from marketplace.i18n import locale_name
from marketplace.labels import level_label, role_label
from marketplace.masking import mask_id_number, mask_phone
from marketplace.timeutil import format_local

# (endpoint, label, roles allowed, menu); a None roles entry means every signed-in user. Entries that share a
# menu label fold into one drop-down when a role sees more than one of them, so the bar fits a laptop screen.
COUNSELORS, ENTITIES, ADMIN, PROGRESS = _l("辅导员"), _l("主体与需求"), _l("管理"), _l("进展与报告")
NAVIGATION = [
    ("main.home", _l("首页"), None, None),
    ("directory.list_counselors", _l("辅导员名录"), {Role.OFFICIAL}, COUNSELORS),
    ("directory.list_requests", _l("修改审核"), {Role.OFFICIAL}, COUNSELORS),
    ("directory.show_yearly", _l("年度更新"), {Role.OFFICIAL}, COUNSELORS),
    ("evaluation.list_results", _l("绩效评价"), {Role.OFFICIAL}, COUNSELORS),
    ("training.list_trainings", _l("岗位培训"), {Role.OFFICIAL}, COUNSELORS),
    ("awards.list_awards", _l("评优评先"), {Role.OFFICIAL}, COUNSELORS),
    ("directory.own_profile", _l("我的名录信息"), {Role.COUNSELOR}, None),
    ("entities.list_entities", _l("经营主体"), {Role.OFFICIAL}, ENTITIES),
    ("needs.list_needs", _l("服务需求"), {Role.OFFICIAL}, ENTITIES),
    ("ranking.list_gaps", _l("匹配缺口"), {Role.OFFICIAL}, ENTITIES),
    ("entities.list_entities", _l("我的主体"), {Role.OPERATOR}, None),
    ("needs.list_needs", _l("我的需求"), {Role.OPERATOR}, None),
    ("needs.show_inbox", _l("服务邀请"), {Role.COUNSELOR}, None),
    ("training.list_trainings", _l("培训"), {Role.COUNSELOR}, None),
    ("centers.list_centers", _l("服务中心"), {Role.OFFICIAL, Role.CENTER_STAFF}, None),
    ("catalogue.show_catalogue", _l("服务目录"), {Role.OPERATOR, Role.CENTER_STAFF}, None),
    ("agreements.list_agreements", _l("服务协议"), None, None),
    ("oversight.show_dashboard", _l("工作进展"), {Role.OFFICIAL}, PROGRESS),
    ("reports.list_reports", _l("工作报告"), {Role.OFFICIAL}, PROGRESS),
    ("accounts.list_accounts", _l("账户管理"), {Role.OFFICIAL}, ADMIN),
    ("audit.list_entries", _l("审计日志"), {Role.OFFICIAL}, ADMIN),
    ("notices.list_notices", _l("通知公告"), None, None),
    ("notifications.list_notifications", _l("消息"), None, None),
]


def navigation() -> list[dict]:
    """The bar for the signed-in user's role: links {"endpoint", "href", "label", "active"} and drop-downs
    {"label", "active", "children": [links]}. A page without its own entry lights up the first entry of its
    blueprint. The bar depends only on the role, the language, the page's endpoint and where the app is
    mounted, so it is worked out once per process for each of those (read-only: the dicts are shared)."""
    if not current_user.is_authenticated:
        return []
    memo = current_app.extensions.setdefault("fudao_navigation", {})  # per app: its routes and translations
    key = (current_user.role, locale_name(), request.endpoint or "", request.script_root)
    bar = memo.get(key)
    if bar is None:
        if len(memo) > 4096:  # bounded: roles × languages × endpoints (× mount points)
            memo.clear()
        bar = memo[key] = _build_navigation(current_user.role, request.endpoint or "")
    return bar


def _build_navigation(role: Role, current: str) -> list[dict]:
    entries = [(endpoint, str(label), menu) for endpoint, label, roles, menu in NAVIGATION
               if (roles is None or role in roles) and endpoint in current_app.view_functions]
    exact = any(endpoint == current for endpoint, _label, _menu in entries)
    blueprint = current.split(".")[0]
    first_of_blueprint = next((e for e, _label, _menu in entries if e.split(".")[0] == blueprint), None)
    menu_sizes: dict[str, int] = {}
    for _endpoint, _label, menu in entries:
        if menu is not None:
            menu_sizes[str(menu)] = menu_sizes.get(str(menu), 0) + 1
    bar: list[dict] = []
    menus: dict[str, dict] = {}
    for endpoint, label, menu in entries:
        link = {"endpoint": endpoint, "href": url_for(endpoint), "label": label,
                "active": endpoint == current if exact else endpoint == first_of_blueprint}
        if menu is None or menu_sizes[str(menu)] < 2:
            bar.append(link)
            continue
        if str(menu) not in menus:
            menus[str(menu)] = {"label": str(menu), "active": False, "children": []}
            bar.append(menus[str(menu)])
        menus[str(menu)]["children"].append(link)
        menus[str(menu)]["active"] |= link["active"]
    return bar


def page_url(page: int) -> str:
    args = request.args.to_dict()
    args["page"] = str(page)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label else action


def local_datetime(value) -> str:
    """`|datetime`: a stored time as people in China read it, "yyyy-MM-dd HH:mm" in every language (a naive
    time is UTC, as Flask-Babel takes it). A datetime is formatted directly (Babel's pattern formatter cost
    ~0.06 ms a call, several per page); anything else (a date) still goes through Flask-Babel."""
    if isinstance(value, datetime):
        return format_local(value)
    return format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""


def init_templating(app: Flask) -> None:
    @app.context_processor
    def inject() -> dict:
        from marketplace.notifications.services import page_unread_count

        unread = page_unread_count(current_user) if current_user.is_authenticated else 0
        return {
            "navigation": navigation, "get_locale": get_locale, "unread_count": unread,
            "languages": current_app.config["LANGUAGES"], "level_label": level_label, "role_label": role_label,
            "action_label": action_label, "page_url": page_url, "mask_phone": mask_phone,
            "mask_id_number": mask_id_number, "labels": directory_labels, "flag_labels": flag_labels,
            "view_functions": current_app.view_functions,
        }

    from marketplace.i18n import install_template_gettext
    from marketplace.ranking.labels import path_label, reason_text, stars

    install_template_gettext(app)

    from marketplace.fragments import CSRF_SLOT, FragmentExtension, url_pattern

    app.jinja_env.add_extension(FragmentExtension)
    app.jinja_env.globals["url_pattern"] = url_pattern
    app.jinja_env.globals["csrf_slot"] = CSRF_SLOT

    app.jinja_env.filters["match_reason"] = reason_text
    app.jinja_env.filters["match_path"] = path_label
    app.jinja_env.filters["stars"] = stars
    app.jinja_env.filters["thousands"] = format_decimal
    app.jinja_env.filters["datetime"] = local_datetime
