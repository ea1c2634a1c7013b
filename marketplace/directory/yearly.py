"""The yearly update window (1 January – 30 June): departments complete and confirm last year's data.

Outside the window, changing existing records needs a superior's unlock for the department.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from marketplace.accounts.models import Department
from marketplace.directory.models import YearlyUnlock
from marketplace.extensions import db

WINDOW_END = (6, 30)


def in_window(today: date) -> bool:
    return (today.month, today.day) <= WINDOW_END


def data_year(today: date) -> int:
    """The year whose data the current window completes."""
    return today.year - 1


def active_unlock(department: Department, today: date) -> YearlyUnlock | None:
    return db.session.scalars(select(YearlyUnlock).where(
        YearlyUnlock.department_id == department.id, YearlyUnlock.until >= today)
        .order_by(YearlyUnlock.until.desc())).first()


def editing_allowed(department: Department, today: date) -> bool:
    """Existing records may be changed inside the window, or outside it with an active unlock."""
    return in_window(today) or active_unlock(department, today) is not None
