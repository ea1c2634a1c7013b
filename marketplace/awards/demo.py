"""Demo awards (called by `demo.services.seed_demo` after the evaluation demo; idempotent): 2025's county awards
of 正定县 and 行唐县 approved by 石家庄市 (one 正定县 nomination returned for more evidence), a city award of
石家庄市 approved by 河北省, and this year's 正定县 service center nomination waiting for the city."""

from __future__ import annotations

from sqlalchemy import select, update

from marketplace.accounts.models import User
from marketplace.awards import services
from marketplace.awards.models import Award, AwardSubject
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.timeutil import local_today, utcnow

REASONS = (
    "{year} 年度绩效评价{grade}。全年深入合作社、家庭农场开展财务规范和市场营销辅导，服务对象满意度高，"
    "带动多家合作社完善章程和财务制度。",
    "{year} 年度绩效评价{grade}。坚持每月入社指导，帮助服务对象申报示范社、对接电商销售渠道，服务记录完整。",
    "{year} 年度绩效评价{grade}。在粮食生产托管和绿色生产技术推广中发挥骨干作用，按协议完成全部服务事项。",
)


CENTER_REASON = ("{year} 年度绩效评价{grade}。服务中心制度健全、收费公开，为辖区合作社和家庭农场提供财务代理、"
                 "技术托管和产品营销服务，服务对象满意度高。")


def _official(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _nominate(official: User, subject: AwardSubject, year: int, count: int, offset: int = 0) -> list[Award]:
    awards = []
    for i, (row, grade) in enumerate(services.eligible(official, subject, year)[offset:offset + count]):
        text = CENTER_REASON if subject is AwardSubject.CENTER else REASONS[(i + offset) % len(REASONS)]
        reason = text.format(year=year, grade=services.grade_label(grade))
        award = services.nominate(official, services.Nomination(subject, row.id, year, reason))
        services.transition(award, "submit", official)
        awards.append(award)
    return awards


def seed_awards_demo() -> None:
    if db.session.scalar(select(Award.id).limit(1)) is not None:
        return
    users = {name: _official(name) for name in ("hebei", "shijiazhuang", "zhengding", "xingtang")}
    if any(user is None for user in users.values()):
        return
    year = local_today().year - 1  # the year the evaluation demo graded
    city, province = users["shijiazhuang"], users["hebei"]
    zhengding = _nominate(users["zhengding"], AwardSubject.COUNSELOR, year, 3)
    for award in zhengding[:2]:
        services.transition(award, "approve", city, "经审核，同意授予。")
    if len(zhengding) > 2:
        services.transition(zhengding[2], "return", city, "请补充服务成效数据（服务主体数量、满意度）后重新报送。")
    for award in _nominate(users["xingtang"], AwardSubject.COUNSELOR, year, 1):
        services.transition(award, "approve", city, "同意。")
    for award in _nominate(city, AwardSubject.COUNSELOR, year, 1):
        services.transition(award, "approve", province, "经省厅审核，同意授予。")
    _nominate(users["zhengding"], AwardSubject.CENTER, year + 1, 1)  # waits for the city
    # The demo's past decisions were read at the time; the pending nomination stays unread for the city.
    db.session.execute(update(Notification).where(Notification.link.like("/awards/%"),
                                                  Notification.title.not_like("评优提名待审核%"),
                                                  Notification.read_at.is_(None)).values(read_at=utcnow()))
