"""The demo's notices: 2025's notices of the province, the city and two counties, delivered within each
publisher's jurisdiction only, some read, one withdrawn, one draft, public ones on the public page; made once."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.demo.services import seed_demo
from marketplace.notices import services
from marketplace.notices.models import Notice, NoticeReceipt, NoticeState
from marketplace.regions.models import Region


def test_demo_notices(db, demo):
    db.session.commit()
    seed_demo()
    db.session.commit()
    notices = db.session.scalars(select(Notice).order_by(Notice.id)).all()
    assert len(notices) == 6
    assert {n.state for n in notices} == {NoticeState.PUBLISHED, NoticeState.WITHDRAWN, NoticeState.DRAFT}
    published = [n for n in notices if n.state is NoticeState.PUBLISHED]
    assert all(n.published_at.year == 2025 for n in published)
    assert {n.department.region_code for n in published} == {"130000", "130100", "130123", "130125"}
    reads = db.session.scalar(select(func.count()).select_from(NoticeReceipt)
                              .where(NoticeReceipt.read_at.is_not(None)))
    assert reads >= 8
    # 行唐县's notice never reaches 正定县, and the other way round.
    for notice in published:
        paths = set(db.session.scalars(select(Region.path).join(User, User.region_code == Region.code)
                                       .join(NoticeReceipt, NoticeReceipt.user_id == User.id)
                                       .where(NoticeReceipt.notice_id == notice.id)))
        assert paths and all(f"/{notice.region_code}/" in path for path in paths)
    assert len(db.session.scalars(services.public_notices()).all()) == 3
