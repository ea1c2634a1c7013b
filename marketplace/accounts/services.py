"""Accounts: issuing them down the levels, self-registration, management by superiors, sign-in and tokens.

Services take the acting user as an argument, flush, record the audit entry and never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from marketplace.accounts.models import ApiToken, Department, Role, User
from marketplace.accounts.passwords import hash_password, policy_errors, verify_password
from marketplace.audit.services import record
from marketplace.auth import throttle, totp
from marketplace.auth.sessions import revoke_user_sessions
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.jurisdiction import region_in_jurisdiction
from marketplace.labels import level_label
from marketplace.notifications.services import notify
from marketplace.regions.models import Level, Region
from marketplace.timeutil import as_utc, utcnow

# Counselors are appointed by county-level or higher departments (work rules, art. 7).
APPOINTING_LEVELS = {Level.NATIONAL, Level.PROVINCE, Level.CITY, Level.COUNTY}
SELF_REGISTERED_ROLES = {Role.OPERATOR, Role.CENTER_STAFF}
_DUMMY_HASH = hash_password("not-a-real-password")


@dataclass
class NewAccount:
    username: str
    display_name: str
    role: Role
    region_code: str
    phone: str | None = None
    email: str | None = None
    department_name: str | None = None


def default_department_name(region: Region, level: Level) -> str:
    if level is Level.NATIONAL:
        return "农业农村部"
    suffix = {Level.PROVINCE: "农业农村厅", Level.CITY: "农业农村局", Level.COUNTY: "农业农村局",
              Level.TOWNSHIP: "农业农村办公室"}[level]
    return region.full_name.replace(" ", "") + suffix


def issuable_roles(actor: User) -> list[Role]:
    """The kinds of account `actor` may issue: officials one level down; counselors for its own department."""
    if not actor.is_official or actor.level is None:
        return []
    roles = [Role.OFFICIAL] if actor.level.below else []
    if actor.level in APPOINTING_LEVELS:
        roles.append(Role.COUNSELOR)
    return roles


def _check_username(username: str) -> None:
    taken = db.session.scalar(select(func.count()).select_from(User).where(
        func.lower(User.username) == username.lower()))
    if taken:
        raise Conflict(_("用户名“%(name)s”已被使用", name=username), field="username")


def _initial_password() -> str:
    return "Fd#" + secrets.token_hex(4) + secrets.choice("abcdefghjkmnpqrstuvwxyz") + str(secrets.randbelow(10))


def ensure_department(region: Region, actor: User | None, name: str | None = None) -> Department:
    department = db.session.scalar(select(Department).where(Department.region_code == region.code))
    if department is None:
        department = Department(region=region, region_code=region.code, level=region.level,
                                name=name or default_department_name(region, region.level))
        db.session.add(department)
        db.session.flush()
        record(actor, "department.create", department, name=department.name)
    return department


def create_account(actor: User, data: NewAccount) -> tuple[User, str]:
    """Issue an account below `actor`; returns it with its one-time initial password."""
    if data.role not in issuable_roles(actor):
        raise NotAllowed(_("您无权创建此类账户"))
    region = db.session.get(Region, data.region_code)
    if region is None or region.valid_to is not None or not region_in_jurisdiction(region.code, actor):
        raise DomainError(_("所选地区不在您的管辖范围内"), field="region_code")
    department = actor.department
    if data.role is Role.OFFICIAL:
        if region.level is not actor.level.below:
            raise DomainError(_("只能为下一级（%(level)s）部门创建管理员", level=level_label(actor.level.below)),
                              field="region_code")
        department = ensure_department(region, actor, data.department_name)
    _check_username(data.username)
    password = _initial_password()
    user = User(username=data.username, display_name=data.display_name, role=data.role,
                phone=data.phone or None, email=data.email or None, department=department,
                region_code=region.code, created_by_id=actor.id, password_hash=hash_password(password),
                must_change_password=True)
    db.session.add(user)
    db.session.flush()
    record(actor, "account.create", user, role=data.role.value, username=user.username)
    notify(user, _("欢迎使用辅导平台"), _("您的账户由 %(who)s 创建。首次登录请修改初始密码。",
                                          who=actor.display_name))
    return user, password


def register_account(data: NewAccount, password: str) -> User:
    """Self-registration of a farm operator or service-center staff member."""
    if data.role not in SELF_REGISTERED_ROLES:
        raise NotAllowed(_("此类账户需由主管部门创建"))
    region = db.session.get(Region, data.region_code)
    if region is None or region.valid_to is not None or region.level not in (Level.COUNTY, Level.TOWNSHIP):
        raise DomainError(_("请选择所在的县（区）或乡镇"), field="region_code")
    errors = policy_errors(password, data.username)
    if errors:
        raise DomainError("；".join(errors), field="password")
    _check_username(data.username)
    user = User(username=data.username, display_name=data.display_name, role=data.role,
                phone=data.phone or None, email=data.email or None, region_code=region.code,
                password_hash=hash_password(password), must_change_password=False,
                password_changed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    record(user, "account.register", user, role=data.role.value)
    return user


def can_manage(actor: User, target: User) -> bool:
    """A superior manages accounts beneath it: officials of lower levels, and others in its jurisdiction.

    Counselors are managed by the department that issued them and the departments above it.
    """
    if not actor.is_official or not actor.is_enabled or actor.id == target.id or actor.level is None:
        return False
    if target.is_official:
        return (target.level.rank > actor.level.rank
                and region_in_jurisdiction(target.region_code, actor))
    if target.role is Role.COUNSELOR and target.department is not None:
        return region_in_jurisdiction(target.department.region_code, actor)
    return region_in_jurisdiction(target.region_code, actor)


def _require_manage(actor: User, target: User) -> None:
    if not can_manage(actor, target):
        raise NotAllowed(_("您无权管理此账户"))


def reveal_contact(actor: User, target: User, purpose: str) -> dict[str, str | None]:
    """The unmasked phone number of an account, for a superior who needs it; the view is audited."""
    _require_manage(actor, target)
    record(actor, "account.view_unmasked", target, fields=["phone"], purpose=purpose)
    return {"phone": target.phone}


def disable_account(actor: User, target: User, reason: str) -> None:
    _require_manage(actor, target)
    if not target.is_enabled:
        raise Conflict(_("该账户已是停用状态"))
    target.is_enabled = False
    revoke_sign_ins(target)
    record(actor, "account.disable", target, reason=reason)


def enable_account(actor: User, target: User, reason: str = "") -> None:
    _require_manage(actor, target)
    if target.is_enabled:
        raise Conflict(_("该账户已是启用状态"))
    target.is_enabled = True
    record(actor, "account.enable", target, reason=reason)


def reset_password(actor: User, target: User) -> str:
    """Give `target` a new one-time password that must be changed at next login. Its sessions and tokens
    end, and its second factor is removed (a lost phone): it enrols again at the next sign-in if required."""
    _require_manage(actor, target)
    password = _initial_password()
    target.password_hash = hash_password(password)
    target.must_change_password = True
    throttle.clear_name(target.username)
    totp.clear(target)
    revoke_sign_ins(target)
    record(actor, "account.reset_password", target)
    notify(target, _("您的密码已被重置"), _("%(who)s 重置了您的密码，请使用新的初始密码登录并修改。",
                                             who=actor.display_name))
    return password


def change_password(user: User, current: str, new: str, keep_session: str | None = None) -> None:
    """Change one's own password; every other session and every bearer token of the account ends."""
    if not verify_password(user.password_hash, current):
        raise DomainError(_("当前密码不正确"), field="current_password")
    if current == new:
        raise DomainError(_("新密码不能与当前密码相同"), field="new_password")
    errors = policy_errors(new, user.username)
    if errors:
        raise DomainError("；".join(errors), field="new_password")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    revoke_sign_ins(user, keep_session)
    record(user, "account.change_password", user)


class LoginFailed(DomainError):
    status = 401
    code = "login_failed"


def authenticate(username: str, password: str, address: str | None = None, now: datetime | None = None) -> User:
    """Check a name and password. Failures are throttled per name and per address with growing delays (see
    auth/throttle.py) rather than locking the account; unknown and throttled names are answered alike. The
    sign-in itself is recorded by `record_sign_in` once any second factor has been checked too."""
    now = now or utcnow()
    throttle.check(username, address, now)
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None:
        verify_password(_DUMMY_HASH, password)  # same cost as a real check
        throttle.record_failure(username, address, now)
        raise LoginFailed(_("用户名或密码错误"))
    if not verify_password(user.password_hash, password):
        if throttle.record_failure(username, address, now):
            record(None, "auth.throttled", user)
        record(None, "auth.login_failed", user)
        raise LoginFailed(_("用户名或密码错误"))
    if not user.is_enabled:
        raise LoginFailed(_("账户已停用，请联系上级管理员"))
    throttle.clear_name(username)
    return user


def second_factor_failed(user: User, address: str | None) -> None:
    """A wrong one-time code counts like a wrong password for the name and the address."""
    throttle.record_failure(user.username, address)
    record(None, "auth.totp_failed", user)


def record_sign_in(user: User, via: str = "web") -> None:
    user.last_login_at = utcnow()
    record(user, "auth.login", user, via=via)


def unlock_sign_in(actor: User, target: User) -> None:
    """A superior lets a throttled account try again at once (audited)."""
    _require_manage(actor, target)
    if not throttle.clear_name(target.username):
        raise Conflict(_("该账户当前没有登录限制"))
    record(actor, "account.unlock", target)


def revoke_sign_ins(user: User, keep_session: str | None = None) -> None:
    """End every session (except `keep_session`, the caller's own) and bearer token of an account."""
    revoke_user_sessions(user.id, keep_session)
    _revoke_tokens(user)


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    raw = secrets.token_urlsafe(32)
    token = ApiToken(user=user, user_id=user.id, token_hash=_token_hash(raw),
                     expires_at=utcnow() + current_app.config["API_TOKEN_TTL"])
    db.session.add(token)
    db.session.flush()
    record(user, "auth.token", user, token_id=token.id)
    return raw, token


def revoke_token(raw: str) -> bool:
    """Revoke the bearer token `raw` (DELETE /api/v1/auth/token); False if it was not live."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(raw),
                                                     ApiToken.revoked_at.is_(None)))
    if token is None:
        return False
    token.revoked_at = utcnow()
    record(token.user, "auth.token_revoke", token.user, token_id=token.id)
    return True


def user_for_token(raw: str, now: datetime | None = None) -> User | None:
    now = now or utcnow()
    token = db.session.scalar(_token_statement(), {"token_hash": _token_hash(raw)})
    if token is None or token.revoked_at is not None or as_utc(token.expires_at) <= now:
        return None
    return token.user if token.user.is_enabled else None


@cache
def _token_statement():
    """The API token look-up every API request makes, built once per process (it keeps its cache key)."""
    from sqlalchemy import bindparam

    return select(ApiToken).where(ApiToken.token_hash == bindparam("token_hash"))


def _revoke_tokens(user: User) -> None:
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))


def create_national_admin(username: str, password: str, display_name: str) -> User:
    """The first account, made at install time: the national department's administrator."""
    from marketplace.regions.models import ROOT_CODE

    root = db.session.get(Region, ROOT_CODE)
    if root is None:
        raise DomainError(_("请先导入行政区划：flask regions load"))
    errors = policy_errors(password, username)
    if errors:
        raise DomainError("；".join(errors), field="password")
    _check_username(username)
    department = ensure_department(root, None)
    user = User(username=username, display_name=display_name, role=Role.OFFICIAL, department=department,
                region_code=root.code, password_hash=hash_password(password), must_change_password=False,
                password_changed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    record(None, "account.create", user, role=Role.OFFICIAL.value, username=username, via="cli")
    return user
