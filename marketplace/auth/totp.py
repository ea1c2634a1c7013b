"""The second factor: time-based one-time codes (RFC 6238, pyotp) with one-time recovery codes.

Enrolment shows a QR code (segno, drawn here as an SVG data URI: no outside service sees the secret) and the
secret in text; it takes effect once the user types a first valid code. The secret is stored encrypted
(crypto.py); recovery codes are shown once and stored as keyed hashes. A code is accepted once: the last
used time step is kept, so a code seen over a shoulder cannot be replayed within its 30 seconds.

Which accounts must use it: officials of the levels in TOTP_REQUIRED_LEVELS (province and national in
production); anyone may enrol from the account menu.
"""

from __future__ import annotations

import secrets
import time

import pyotp
import segno
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.auth.models import RecoveryCode
from marketplace.crypto import decrypt, encrypt, lookup_hash
from marketplace.errors import Conflict, DomainError
from marketplace.extensions import db
from marketplace.timeutil import utcnow

RECOVERY_CODES = 10
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def is_required(user: User) -> bool:
    levels = current_app.config.get("TOTP_REQUIRED_LEVELS") or []
    return bool(user.is_official and user.level is not None and user.level.value in levels)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=current_app.config["TOTP_ISSUER"])


def qr_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _normalize(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").upper()


def _step_accepted(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step `code` belongs to (now or one step either side), unless it was used already."""
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time())
    for offset in (0, -1, 1):
        at = now + offset * totp.interval
        if totp.verify(code, for_time=at, valid_window=0):
            step = at // totp.interval
            if last_step is not None and step <= last_step:
                return None
            return step
    return None


def enrol(user: User, secret: str, code: str) -> list[str] | None:
    """Turn on the second factor with `secret` once `code` proves the app has it; returns the recovery codes
    (shown once) or None when the code is wrong. For an account that has one already (re-enrolment on a new
    phone) the new secret replaces the old one, and the old recovery codes end."""
    step = _step_accepted(secret, _normalize(code), None)
    if step is None:
        return None
    action = "auth.totp_reenrol" if user.has_totp else "auth.totp_enrol"
    user.totp_secret_cipher = encrypt(secret)
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    record(user, action, user)
    return codes


def regenerate_recovery_codes(user: User) -> list[str]:
    """New recovery codes for an enrolled account (shown once); the old ones end. Audited."""
    if not user.has_totp:
        raise DomainError(_("尚未启用两步验证"))
    codes = _new_recovery_codes(user)
    record(user, "auth.totp_recovery_codes", user)
    return codes


def disable(user: User) -> None:
    """The account's owner turns the second factor off, unless the account's level requires it. Audited."""
    if is_required(user):
        raise Conflict(_("您所在层级的管理员账户须使用两步验证，不能停用"))
    if not user.has_totp:
        raise DomainError(_("尚未启用两步验证"))
    clear(user)
    record(user, "auth.totp_disable", user)


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=lookup_hash(code)) for code in codes)
    db.session.flush()
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def verify(user: User, code: str | None) -> bool:
    """Check a one-time code or an unused recovery code (which is then spent); audited when a recovery code
    is used."""
    if not user.has_totp:
        return False
    code = _normalize(code)
    secret = decrypt(user.totp_secret_cipher)
    step = _step_accepted(secret, code, user.totp_last_step) if secret else None
    if step is not None:
        user.totp_last_step = step
        return True
    if len(code) != 10:
        return False
    recovery = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == lookup_hash(code), RecoveryCode.used_at.is_(None)))
    if recovery is None:
        return False
    recovery.used_at = utcnow()
    record(user, "auth.recovery_code", user)
    return True


def remaining_recovery_codes(user: User) -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def clear(user: User) -> None:
    """Remove the second factor (a superior's password reset: the account enrols again at next sign-in)."""
    user.totp_secret_cipher = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
