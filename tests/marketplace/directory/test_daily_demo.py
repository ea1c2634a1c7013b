"""The demo's daily directory work: off-platform service for counselors of 正定县 and 行唐县 (服务主体类型和数量)
and fdy_chen's own confirmation in this year's window; made once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.demo.services import seed_demo
from marketplace.directory import served
from marketplace.directory.models import Counselor, OffPlatformService
from marketplace.timeutil import local_today


def test_demo_daily(db, demo):
    db.session.commit()
    seed_demo()
    db.session.commit()
    assert db.session.scalar(select(func.count(OffPlatformService.id))) == 5
    liu = db.session.scalar(select(Counselor).join(User, User.id == Counselor.user_id)
                            .where(User.username == "fdy_liu"))
    group = served.served(liu)
    assert group.off_platform == 6 and 2025 in group.by_year and group.total >= 6
    chen = db.session.scalar(select(Counselor).join(User, User.id == Counselor.user_id)
                             .where(User.username == "fdy_chen"))
    if local_today() >= date(local_today().year, 3, 15):
        assert chen.self_confirmed_year == local_today().year
    assert all(c.phone_hash for c in db.session.scalars(select(Counselor)))
