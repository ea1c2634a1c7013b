"""Numbers that must never clash (certificate, agreement and filing numbers): one counter row per series.

A series is a kind and a prefix (e.g. ``certificate`` / ``130123-2024-``). ``allocate`` adds to the series'
counter with one upsert (``INSERT … ON CONFLICT DO UPDATE … RETURNING``), which locks the counter row until
the caller's transaction ends: a concurrent import or appointment of the same series waits for it and then
continues after the numbers it took, so two transactions never hand out the same number. A rolled-back
transaction gives its numbers back (the counter's increment rolls back with it), so the series stays dense.

The first allocation of a series starts after the largest number already stored (``existing_max``), so
records written before the counters existed, or by other means, are never reused.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import String, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db


class NumberCounter(db.Model):
    __tablename__ = "number_counters"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(32), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<NumberCounter {self.kind} {self.prefix}{self.last}>"


def allocate(kind: str, prefix: str, count: int, existing_max: Callable[[], int]) -> range:
    """Reserve `count` consecutive sequence numbers of the series; returns them (first..last). Flushes
    nothing else; the counter row stays locked until the caller commits or rolls back."""
    if count < 1:
        return range(0)
    table = NumberCounter.__table__
    bump = (table.update().where(table.c.kind == kind, table.c.prefix == prefix)
            .values(last=table.c.last + count).returning(table.c.last))
    last = db.session.execute(bump).scalar()
    if last is None:  # a new series: start after what is stored, then upsert (another may create it first)
        dialect = db.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        seed = existing_max() + count
        statement = insert(table).values(kind=kind, prefix=prefix, last=seed)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.kind, table.c.prefix],
            set_={"last": (func.greatest if dialect == "postgresql" else func.max)(
                table.c.last + count, statement.excluded.last)}).returning(table.c.last)
        last = db.session.execute(statement).scalar()
    return range(last - count + 1, last + 1)


def max_sequence(column, prefix: str) -> int:
    """The largest `<prefix><n>` stored in `column` (0 if none); for `existing_max`."""
    last = db.session.scalar(db.select(func.max(column)).where(column.startswith(prefix, autoescape=True)))
    return int(last.rsplit("-", 1)[1]) if last else 0
