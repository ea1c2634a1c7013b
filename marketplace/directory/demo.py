"""Demo of the daily directory work: service done off the platform (服务主体类型和数量) for counselors of 正定县
and 行唐县, and one counselor's own confirmation in this year's update window."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.directory import served
from marketplace.directory.models import Counselor, CounselorEvent, OffPlatformService
from marketplace.entities.models import EntityType
from marketplace.extensions import db
from marketplace.timeutil import LOCAL_ZONE, local_today

OFF_PLATFORM = [  # counselor account, official account, entity type, number, year, note
    ("fdy_liu", "zhengding", EntityType.COOPERATIVE, 3, 2025, "线下指导合作社规范财务账簿"),
    ("fdy_liu", "zhengding", EntityType.FAMILY_FARM, 2, 2025, "电话咨询家庭农场申报示范"),
    ("fdy_liu", "zhengding", EntityType.COOPERATIVE, 1, 2024, "协助合作社年报公示"),
    ("fdy_yang", "xingtang", EntityType.FAMILY_FARM, 4, 2025, "入户指导家庭农场记账"),
    ("fdy_yang", "xingtang", EntityType.FEDERATION, 1, 2025, "协助联合社制定章程"),
]
CONFIRMING = "fdy_chen"  # confirms their record on 15 March of this year's window


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _counselor(username: str) -> Counselor | None:
    user = _user(username)
    return db.session.scalar(select(Counselor).where(Counselor.user_id == user.id)) if user else None


def seed_daily_demo() -> None:
    """Made once: nothing is added when off-platform service is already recorded."""
    if db.session.scalar(select(OffPlatformService.id).limit(1)) is not None:
        return
    for username, official, entity_type, count, year, note in OFF_PLATFORM:
        counselor, actor = _counselor(username), _user(official)
        if counselor is not None and actor is not None:
            served.record_off_platform(actor, counselor, entity_type, count, year, note)
    today = local_today()
    confirmed_on = date(today.year, 3, 15)
    counselor = _counselor(CONFIRMING)
    if counselor is None or today < confirmed_on:
        return
    at = datetime.combine(confirmed_on, time(9, 30), tzinfo=LOCAL_ZONE)
    counselor.self_confirmed_year, counselor.self_confirmed_at, counselor.data_year = today.year, at, today.year
    db.session.add(CounselorEvent(counselor_id=counselor.id, action="confirm_own", from_status=counselor.status,
                                  to_status=counselor.status, actor_id=counselor.user_id, created_at=at,
                                  changes={"data_year": today.year - 1}))
    record(counselor.user, "counselor.confirm_own_data", counselor, region_code=counselor.department_region_code,
           data_year=today.year - 1)
    db.session.flush()
