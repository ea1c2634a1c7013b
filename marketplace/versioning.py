"""Optimistic locking of records two people can edit (counselors, entities, centers, offerings, needs,
agreements): each has a ``lock_version`` column that every edit raises by one.

An edit form carries the version it was rendered from (a hidden ``lock_version`` field; the API takes a
``lock_version`` field or an ``If-Match`` header and sends an ``ETag``). The service calls ``claim`` before it
changes anything: a compare-and-set ``UPDATE … SET lock_version = lock_version + 1 WHERE id = … AND
lock_version = <the form's>``. When someone saved in between, no row matches and the save is refused with
``StaleRecord`` ("该记录已被他人修改，请刷新后再改"), nothing overwritten. On PostgreSQL the UPDATE also locks the
row, so of two saves at the same moment the second waits, then finds the version moved and is refused.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, update
from sqlalchemy.orm import Mapped, attributes, mapped_column

from marketplace.errors import Conflict
from marketplace.extensions import db

STALE_MESSAGE = _l("该记录已被他人修改，请刷新后再改")


class StaleRecord(Conflict):
    code = "stale"

    def __init__(self) -> None:
        super().__init__(str(STALE_MESSAGE))


class Versioned:
    """Mixin for a model: the ``lock_version`` column (1 for a new row)."""

    lock_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


def check(record, expected: int | None) -> None:
    """Refuse at once a form rendered from an older version than the one loaded (nothing changed yet)."""
    if expected is not None and expected != record.lock_version:
        raise StaleRecord()


def claim(record, expected: int | None) -> None:
    """Raise the record's version if it still is `expected` (the version the editor saw); otherwise refuse.
    `expected` None (an API client that sent no version) claims whatever version is current."""
    model = type(record)
    table = model.__table__
    current = expected if expected is not None else record.lock_version
    result = db.session.execute(update(table).where(table.c.id == record.id, table.c.lock_version == current)
                                .values(lock_version=table.c.lock_version + 1))
    if result.rowcount != 1:
        raise StaleRecord()
    attributes.set_committed_value(record, "lock_version", current + 1)


def bump(model, ids) -> None:
    """Raise the version of rows changed by a bulk statement (an import's updates)."""
    table = model.__table__
    db.session.execute(update(table).where(table.c.id.in_(list(ids)))
                       .values(lock_version=table.c.lock_version + 1))


def parse(value) -> int | None:
    """A submitted version (form field, JSON field or If-Match header, quotes and W/ allowed); None if absent
    or unreadable (an unreadable one can match no version, so it is refused as stale by `claim`)."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    try:
        return int(text)
    except ValueError:
        return -1
