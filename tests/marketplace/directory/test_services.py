"""Directory rules: checks, appointment, who edits, lifecycle, personal data, the counselor's own changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from marketplace import crypto
from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEntry
from marketplace.directory import services
from marketplace.directory.models import ChangeRequestStatus, Counselor, CounselorEvent, CounselorStatus
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.identifiers import check_id_number
from marketplace.timeutil import local_today
from tests.marketplace.directory.conftest import counselor_input

SUMMER = date(2026, 8, 1)  # outside the yearly window
SPRING = date(2026, 3, 1)


def test_id_number_checks():
    assert check_id_number("11010519491231002x").number == "11010519491231002X"
    assert check_id_number("11010519491231002X").birth_date == date(1949, 12, 31)
    assert check_id_number("11010519491231002X").gender == "female"
    assert "校验位" in check_id_number("110105194912310021").error
    assert "18 位" in check_id_number("1101051949").error
    assert "出生日期" in check_id_number("110105194913310029").error or check_id_number("110105194913310029").error
    warned = check_id_number("990105194912310023")
    # an unknown region code is a warning, not an error
    assert warned.error is None or "校验位" in warned.error


def test_unknown_region_is_only_a_warning():
    from marketplace.demo.services import demo_id_number

    number = demo_id_number("990101", date(1980, 5, 5), 12)
    checked = check_id_number(number)
    assert checked.error is None and checked.number == number
    assert any("990101" in w for w in checked.warnings)


def test_appointment_stores_personal_data_encrypted_and_masked(world, appoint):
    counselor = appoint(world["county"], name="刘桂芳", phone="13800001111")
    assert counselor.status is CounselorStatus.APPOINTED
    assert counselor.certificate_no == "130123-2025-00001"
    assert counselor.term_end == date(2027, 12, 31)
    assert counselor.phone_masked == "138****1111"
    assert "13800001111" not in counselor.phone_cipher
    assert crypto.decrypt(counselor.phone_cipher) == "13800001111"
    assert counselor.id_number_masked.startswith("1301") and "*" in counselor.id_number_masked
    assert [e.action for e in counselor.events] == ["appoint"]
    assert [r.code for r in counselor.service_areas] == ["130123"]  # the department's jurisdiction by default


def test_certificate_numbers_follow_on(world, appoint):
    numbers = [appoint(world["county"]).certificate_no for _ in range(3)]
    assert numbers == ["130123-2025-00001", "130123-2025-00002", "130123-2025-00003"]


def test_id_numbers_are_unique_in_the_directory(world, appoint):
    first = appoint(world["county"])
    other_county = world["city"]
    data = counselor_input(1, region_code="130125")
    data.id_number = crypto.decrypt(first.id_number_cipher)
    with pytest.raises(Conflict, match="已在名录库中"):
        services.appoint_counselor(other_county, data)


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"name": " "}, "name", "请填写姓名"),
    ({"id_number": "110105194912310021"}, "id_number", "校验位"),
    ({"phone": "12345"}, "phone", "11 位"),
    ({"region_code": "130125"}, "region_code", "不在本部门管辖范围内"),
    ({"region_code": "999999"}, "region_code", "请选择所在地区"),
    ({"specialties": 0}, "specialties", "至少选择一项业务专长"),
    ({"industries": 0}, "industries", "至少选择一个产业领域"),
    ({"work_mode": None}, "work_mode", "工作模式"),
    ({"source": None}, "source", "选聘来源"),
    ({"appointed_on": None}, "appointed_on", "聘任日期"),
    ({"term_end": date(2024, 1, 1)}, "term_end", "须晚于聘任日期"),
    ({"capacity": 500}, "capacity", "0 到 100"),
])
def test_bad_input_is_refused_with_a_chinese_message(world, overrides, field, message):
    with pytest.raises(DomainError) as error:
        services.appoint_counselor(world["county"], counselor_input(1, **overrides))
    assert message in error.value.errors[field]
    assert db.session.scalar(select(func.count()).select_from(Counselor)) == 0


def test_only_county_level_or_higher_appoints(world):
    with pytest.raises(NotAllowed, match="县级及以上"):
        services.appoint_counselor(world["township"], counselor_input(1))
    with pytest.raises(NotAllowed):
        services.appoint_counselor(world["operator"], counselor_input(1))


def test_only_the_appointing_department_edits(world, appoint):
    counselor = appoint(world["county"])
    data = counselor_input(1, name="新名字")
    data.id_number = crypto.decrypt(counselor.id_number_cipher)
    for other in ("city", "province", "national"):
        with pytest.raises(NotAllowed, match="只有聘任部门"):
            services.update_counselor(world[other], counselor, data, today=SPRING)
    changes = services.update_counselor(world["county"], counselor, data, today=SPRING)
    assert changes == {"name": ["辅导员1", "新名字"]}
    assert counselor.events[0].action == "update" and counselor.events[0].changes == changes


def test_edits_outside_the_window_need_an_unlock(world, appoint):
    counselor = appoint(world["county"])
    data = counselor_input(1, name="夏天改名")
    data.id_number = crypto.decrypt(counselor.id_number_cipher)
    with pytest.raises(NotAllowed, match="上级部门解锁"):
        services.update_counselor(world["county"], counselor, data, today=SUMMER)


def test_lifecycle(world, appoint):
    counselor = appoint(world["county"])
    county = world["county"]
    with pytest.raises(DomainError, match="请填写原因"):
        services.transition(counselor, "suspend", county, "")
    services.transition(counselor, "suspend", county, "长期外出")
    assert counselor.status is CounselorStatus.SUSPENDED
    with pytest.raises(Conflict, match="当前状态“暂停”下不能执行此操作"):
        services.transition(counselor, "suspend", county, "again")
    services.transition(counselor, "resume", county)
    old_number = counselor.certificate_no
    services.transition(counselor, "renew", county)
    assert counselor.status is CounselorStatus.APPOINTED and counselor.certificate_no != old_number
    assert counselor.term_end > local_today()
    with pytest.raises(Conflict):
        services.transition(counselor, "transfer_out", county, "不合格")  # only after the term ended
    services.transition(counselor, "strike_off", county, "以辅导名义谋取不正当利益")
    assert counselor.status is CounselorStatus.STRUCK_OFF
    assert services.allowed_actions(counselor) == []
    actions = [e.action for e in db.session.scalars(select(CounselorEvent).where(
        CounselorEvent.counselor_id == counselor.id).order_by(CounselorEvent.id))]
    assert actions == ["appoint", "suspend", "resume", "renew", "strike_off"]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "counselor.strike_off")) == 1


def test_only_the_appointing_department_changes_status(world, appoint):
    counselor = appoint(world["county"])
    with pytest.raises(NotAllowed):
        services.transition(counselor, "suspend", world["province"], "x")


def test_a_concurrent_duplicate_transition_changes_nothing(world, appoint):
    from sqlalchemy.orm.attributes import set_committed_value

    counselor = appoint(world["county"])
    services.transition(counselor, "suspend", world["county"], "外出")
    db.session.commit()
    # what a second request read before the first one committed
    set_committed_value(counselor, "status", CounselorStatus.APPOINTED)
    with pytest.raises(Conflict, match="已被他人更新"):
        services.transition(counselor, "suspend", world["county"], "外出")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CounselorEvent).where(
        CounselorEvent.action == "suspend")) == 1


def test_terms_expire(world, appoint):
    with time_machine.travel(datetime(2020, 1, 1, 4, tzinfo=UTC), tick=False):  # appointed while the term ran
        counselor = appoint(world["county"], appointed_on=date(2020, 1, 1))
    assert services.expire_due() == 1
    assert counselor.status is CounselorStatus.EXPIRED
    services.transition(counselor, "transfer_out", world["county"], "考核不合格")
    assert counselor.status is CounselorStatus.TRANSFERRED_OUT


def test_unmasked_view_is_for_the_appointing_department_and_audited(world, appoint):
    counselor = appoint(world["county"], phone="13800001111")
    with pytest.raises(NotAllowed):
        services.reveal_personal(world["province"], counselor, "核对")
    revealed = services.reveal_personal(world["county"], counselor, "核对")
    assert revealed["phone"] == "13800001111" and len(revealed["id_number"]) == 18
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "counselor.view_unmasked"))
    assert entry.details["purpose"] == "核对" and entry.actor_id == world["county"].id


def test_counselor_updates_personal_fields_and_requests_the_rest(world, appoint, make_user):
    counselor = appoint(world["county"])
    user = make_user(Role.COUNSELOR, region_code="130123", department_region="130123")
    counselor.user_id = user.id
    db.session.commit()
    request = services.update_own_profile(user, counselor, {"phone": "13911112222", "title": "农艺师"},
                                          {"specialties": 4 | 8 | 32, "capacity": 8}, "新增技术支持专长")
    assert counselor.phone_masked == "139****2222" and counselor.title == "农艺师"
    assert counselor.specialties == 4 | 8  # waits for review
    assert request.changes == {"specialties": [12, 44], "capacity": [5, 8]}
    with pytest.raises(NotAllowed):
        services.review_change_request(world["city"], request, True)
    services.review_change_request(world["county"], request, True, "同意")
    assert counselor.specialties == 44 and counselor.capacity == 8
    assert request.status is ChangeRequestStatus.APPROVED
    with pytest.raises(Conflict):
        services.review_change_request(world["county"], request, False)


def test_counselor_cannot_change_department_fields_directly(world, appoint, make_user):
    counselor = appoint(world["county"])
    user = make_user(Role.COUNSELOR, region_code="130123", department_region="130123")
    with pytest.raises(NotAllowed):
        services.update_own_profile(user, counselor, {"title": "x"}, {})
    counselor.user_id = user.id
    with pytest.raises(DomainError, match="审核"):
        services.update_own_profile(user, counselor, {"name": "x"}, {})


def test_renewal_keeps_the_old_certificate_number_in_the_history(world, appoint):
    counselor = appoint(world["county"], appointed_on=local_today() - timedelta(days=30))
    old = counselor.certificate_no
    event = services.transition(counselor, "renew", world["county"])
    assert event.changes["certificate_no"][0] == old


def test_the_check_character_in_one_call_equals_the_weighted_sum():
    import random

    from marketplace.identifiers import WEIGHTS, id_check_character

    generator = random.Random(11643)
    for _ in range(20_000):
        first17 = "".join(generator.choice("0123456789") for _ in range(17))
        assert id_check_character(first17) == "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS,
                                                                                               strict=True)) % 11]
    assert id_check_character("11010519491231002") == "X"
