"""Counselors for the certificate tests, appointed by the 正定县 (130123) official of the `world` fixture."""

from __future__ import annotations

from datetime import date, timedelta

from marketplace.directory import services
from marketplace.directory.models import Counselor, Source, WorkMode
from marketplace.extensions import db
from marketplace.timeutil import local_today

# A resident ID with a valid check character, and more built from it for further people.
LIU_ID, LIU_PHONE = "11010519491231002X", "13800001111"


def id_number(n: int) -> str:
    """A valid resident ID number of someone born in 1980 in 正定县, distinct for each n."""
    body = f"130123198001{1 + n % 28:02d}{n % 1000:03d}"
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def appoint(actor, name: str = "刘桂芳", n: int = 0, appointed_on: date | None = None, **overrides) -> Counselor:
    """Appoint (and commit) a counselor; n=0 is 刘桂芳 of the brief, other n get their own ID and phone."""
    data = services.CounselorInput(
        name=name, id_number=LIU_ID if n == 0 else id_number(n), phone=LIU_PHONE if n == 0 else f"1390000{n:04d}",
        region_code="130123100", specialties=4, industries=1, work_mode=WorkMode.PART_TIME,
        source=Source.RURAL_EXPERT, appointed_on=appointed_on or local_today() - timedelta(days=30), **overrides)
    counselor = services.appoint_counselor(actor, data)
    db.session.commit()
    return counselor
