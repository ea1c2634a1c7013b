"""Password hashing (scrypt via Werkzeug) and the password policy."""

from __future__ import annotations

import re

from flask import current_app, has_app_context
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
COMMON = {"password", "12345678", "123456789", "1234567890", "qwertyuiop", "abc123456", "a123456789",
          "woaini1314", "1qaz2wsx3edc", "password123", "admin12345", "fudao12345"}


def hash_password(password: str) -> str:
    """scrypt by default; PASSWORD_HASH_METHOD lets the test suite use a cheap method."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    return generate_password_hash(password, method=method)


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def policy_errors(password: str, username: str = "") -> list[str]:
    """Why `password` is too weak, in the user's language; empty when it is acceptable."""
    errors = []
    if len(password) < MIN_LENGTH:
        errors.append(_("密码至少 %(n)d 位", n=MIN_LENGTH))
    classes = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    if classes < 3:
        errors.append(_("密码须包含大写字母、小写字母、数字、符号中的至少三类"))
    if password.lower() in COMMON or (username and username.lower() in password.lower()):
        errors.append(_("密码过于常见或包含用户名"))
    return errors
