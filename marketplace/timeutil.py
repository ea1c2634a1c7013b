"""Time helpers. The database stores UTC; `UTCDateTime` hands back aware datetimes on every backend
(SQLite keeps no zone), so comparisons with `utcnow()` are safe everywhere.

People read times and dates in China's time (Asia/Shanghai), whatever the server's zone: "today" is
`local_today()` (never `date.today()`, which is the server's date — ruff's DTZ011 refuses it), and a stored
time shown outside a template (PDF, xlsx, file names) goes through `local()`/`format_local()`; templates use
Flask-Babel's `|datetime`, which converts to BABEL_DEFAULT_TIMEZONE (the same zone)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local_now() -> datetime:
    return datetime.now(LOCAL_ZONE)


def local_today() -> date:
    """Today's date in China."""
    return local_now().date()


def local(value: datetime) -> datetime:
    """A stored (UTC) time as people in China read it."""
    return as_utc(value).astimezone(LOCAL_ZONE)


def format_local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M", empty: str = "—") -> str:
    return local(value).strftime(fmt) if value is not None else empty


class UTCDateTime(TypeDecorator):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else as_utc(value)
