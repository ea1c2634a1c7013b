"""Sign-in throttling instead of a lockout: growing delays per account name and per client address.

A hard lockout lets anyone lock a victim out with a few wrong passwords. Here the first LOGIN_FREE_ATTEMPTS
failures for a name cost nothing; each later failure makes the next try wait LOGIN_DELAY_BASE, doubled per
failure, up to LOGIN_DELAY_MAX. A client address gets the same treatment after LOGIN_ADDRESS_FREE_ATTEMPTS
(guessing many names from one place). Failures older than LOGIN_THROTTLE_WINDOW are forgotten; a right
password clears the name's count; a superior may clear it at once (`accounts.services.unlock_sign_in`).

Keys are the name as typed (lower-cased) whether or not an account has it, so an unknown name and a
throttled one are answered the same way.
"""

from __future__ import annotations

import math
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, literal, select
from sqlalchemy.exc import IntegrityError

from marketplace.auth.models import LoginThrottle
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.timeutil import as_utc, utcnow


class SignInThrottled(DomainError):
    status = 429
    code = "sign_in_throttled"

    def __init__(self, seconds: int):
        super().__init__(_("尝试过于频繁，请 %(n)d 秒后再试", n=seconds))
        self.seconds = seconds


def name_key(username: str) -> str:
    return "name:" + (username or "").strip().lower()[:190]


def address_key(address: str | None) -> str:
    return "addr:" + (address or "unknown")[:190]


def name_key_of_column(username_column):
    """The throttle key of an account as an SQL expression (for the "throttled" filter of the account list)."""
    from sqlalchemy import func

    return literal("name:") + func.lower(username_column)


def wait_seconds(username: str, address: str | None, now: datetime | None = None) -> int:
    """Seconds before the next try for this name from this address (0: may try now)."""
    now = now or utcnow()
    rows = db.session.scalars(select(LoginThrottle).where(
        LoginThrottle.key.in_([name_key(username), address_key(address)]))).all()
    waits = [(as_utc(row.blocked_until) - now).total_seconds() for row in rows if row.blocked_until]
    return max([0, *(math.ceil(w) for w in waits)])


def check(username: str, address: str | None, now: datetime | None = None) -> None:
    seconds = wait_seconds(username, address, now)
    if seconds > 0:
        raise SignInThrottled(seconds)


def _delay(failures: int, free: int):
    config = current_app.config
    if failures < free:
        return None
    return min(config["LOGIN_DELAY_MAX"], config["LOGIN_DELAY_BASE"] * (2 ** min(failures - free, 20)))


def record_failure(username: str, address: str | None, now: datetime | None = None) -> bool:
    """Count a failure for the name and the address; True when the name is now made to wait."""
    now = now or utcnow()
    config = current_app.config
    throttled = False
    for key, free in ((name_key(username), config["LOGIN_FREE_ATTEMPTS"]),
                      (address_key(address), config["LOGIN_ADDRESS_FREE_ATTEMPTS"])):
        row = _row(key, now)
        if now - as_utc(row.last_failure_at) > config["LOGIN_THROTTLE_WINDOW"]:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        delay = _delay(row.failures, free)
        row.blocked_until = now + delay if delay else None
        if delay and key.startswith("name:"):
            throttled = True
    db.session.flush()
    return throttled


def _row(key: str, now: datetime) -> LoginThrottle:
    row = db.session.get(LoginThrottle, key)
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            db.session.add(row)
    except IntegrityError:  # a parallel failure made it first
        row = db.session.get(LoginThrottle, key)
    return row


def clear_name(username: str) -> bool:
    """Forget the failures of a name (right password, or a superior's unlock); True if it was waiting."""
    row = db.session.get(LoginThrottle, name_key(username))
    waiting = bool(row and row.blocked_until and as_utc(row.blocked_until) > utcnow())
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == name_key(username)))
    return waiting


def blocked_until(username: str) -> datetime | None:
    row = db.session.get(LoginThrottle, name_key(username))
    if row is None or row.blocked_until is None or as_utc(row.blocked_until) <= utcnow():
        return None
    return as_utc(row.blocked_until)
