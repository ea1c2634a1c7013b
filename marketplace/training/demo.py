"""Demo trainings: a believable 2025 (the county's finance course, the city's online marketing course for the
whole jurisdiction, attendance and hours recorded) and two trainings planned for the coming weeks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select, update

from marketplace.accounts.models import User
from marketplace.directory.models import Counselor, CounselorStatus
from marketplace.extensions import db
from marketplace.jurisdiction import in_region
from marketplace.notifications.models import Notification
from marketplace.timeutil import utcnow
from marketplace.training import services
from marketplace.training.models import Audience, Training, TrainingMode


def _official(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _in_post(region_code: str, department_region: str | None = None, limit: int = 40) -> list[Counselor]:
    query = select(Counselor).where(Counselor.status == CounselorStatus.APPOINTED,
                                    in_region(Counselor.region_code, region_code))
    if department_region:
        query = query.where(Counselor.department_region_code == department_region)
    return list(db.session.scalars(query.order_by(Counselor.id).limit(limit)))


def _held(official: User, data: services.TrainingInput, counselors: list[Counselor], absent_every: int) -> None:
    """A training held in the past: the department enrols the list, records attendance and closes it."""
    training = services.plan_training(official, data)
    chosen = [c for c in counselors if services.in_audience(training, c)][:data.capacity]
    for counselor in chosen:
        services.enroll(training, counselor, official)
    marks = {e.id: (i % absent_every != absent_every - 1, None) for i, e in enumerate(training.enrollments)}
    if marks:
        services.record_attendance(training, marks, official)
        services.transition(training, "complete", official)
    # The enrolment notices of a training long past were read at the time.
    db.session.execute(update(Notification).where(Notification.link == f"/training/{training.id}",
                                                  Notification.read_at.is_(None)).values(read_at=utcnow()))


def seed_training_demo() -> None:
    if db.session.scalar(select(Training.id).limit(1)) is not None:
        return
    zhengding, city, province = _official("zhengding"), _official("shijiazhuang"), _official("hebei")
    if zhengding is None or city is None or province is None:
        return
    _held(zhengding, services.TrainingInput(
        title="合作社财务规范化培训", starts_on=date(2025, 4, 15), ends_on=date(2025, 4, 16),
        mode=TrainingMode.OFFLINE, hours=Decimal("12"), organiser="正定县农业农村局农村经营管理站", capacity=40,
        audience=Audience.OWN, topic_specialty=4, place="正定县农业农村局三楼会议室",
        description="合作社会计制度、财务公开、年度报表编制与审计，结合本县合作社账簿实例讲解。"),
        _in_post("130123", "130123"), absent_every=6)
    _held(city, services.TrainingInput(
        title="农产品市场营销与电商直播专题培训", starts_on=date(2025, 9, 10), ends_on=date(2025, 9, 10),
        mode=TrainingMode.ONLINE, hours=Decimal("6"), organiser="石家庄市农业农村局", capacity=60,
        audience=Audience.JURISDICTION, topic_specialty=8,
        description="品牌打造、农产品电商与直播带货、订单农业；线上直播，课后提交学习心得。"),
        _in_post("130100", limit=60), absent_every=4)
    today = services.china_today()
    spring = date(today.year, 3, 20)
    if today >= spring + timedelta(days=7):  # this year's spring training, so the dashboards' "this year" shows
        _held(city, services.TrainingInput(
            title=f"{today.year} 年春季服务协议与服务记录规范培训", starts_on=spring, ends_on=spring,
            mode=TrainingMode.ONLINE, hours=Decimal("4"), organiser="石家庄市农业农村局", capacity=30,
            audience=Audience.JURISDICTION, topic="服务协议签订、服务记录追溯与验收",
            description="协议条款、服务记录填报与照片留痕、验收与满意度评价；线上直播。"),
            _in_post("130100", limit=30), absent_every=5)
    upcoming = services.plan_training(zhengding, services.TrainingInput(
        title="绿色生产与化肥农药减量技术培训", starts_on=today + timedelta(days=20),
        ends_on=today + timedelta(days=21), mode=TrainingMode.MIXED, hours=Decimal("10"),
        organiser="正定县农业技术推广中心", capacity=30, audience=Audience.OWN, topic_specialty=16,
        place="正定县农业技术推广中心培训教室（同步线上直播）"))
    liu = db.session.scalar(select(Counselor).join(User, Counselor.user_id == User.id)
                            .where(User.username == "fdy_liu"))
    if liu is not None and services.in_audience(upcoming, liu):
        services.enroll(upcoming, liu, liu.user)
    services.plan_training(province, services.TrainingInput(
        title="全省新型农业经营主体辅导员岗位能力提升培训", starts_on=today + timedelta(days=35),
        ends_on=today + timedelta(days=37), mode=TrainingMode.ONLINE, hours=Decimal("16"),
        organiser="河北省农业农村厅农村合作经济指导处", capacity=500, audience=Audience.JURISDICTION,
        topic="辅导员工作规范与服务协议"))
