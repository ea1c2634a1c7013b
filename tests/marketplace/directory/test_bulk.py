"""Bulk actions on the directory list, driven through the rendered pages (WebTest) and the API: the county
filters and ticks, confirms on the page that says how many change, applies one reason to all; each counselor
gets a history row and an audit entry; all-or-nothing; a double submit does nothing more; the city above sees
the county's counselors but changes none of them; large selections run as a background job."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from marketplace.audit.models import AuditEntry
from marketplace.directory import bulk
from marketplace.directory.models import Counselor, CounselorEvent, CounselorStatus
from marketplace.extensions import db
from marketplace.jobs.models import Job, JobState
from marketplace.timeutil import local_today
from tests.marketplace.directory.certificate_helpers import appoint


def _three(world):
    county = world["county"]
    people = [appoint(county, name=name, n=n) for n, name in enumerate(["张一", "王二", "李三"], start=1)]
    return county, people


def _statuses(people):
    db.session.expire_all()
    return [db.session.get(Counselor, c.id).status for c in people]


def test_suspend_ticked_rows_through_the_pages(pages, world):
    county, (zhang, wang, li) = _three(world)
    pages.sign_in(county)
    listing = pages.get("/directory/")
    form = listing.forms["bulk-form"]
    for checkbox in form.fields["ids"]:
        if checkbox._value in (str(zhang.id), str(wang.id)):
            checkbox.checked = True
    form["action"] = "suspend"
    confirm = form.submit()
    assert "将对 2 名辅导员执行“暂停聘任”" in confirm.text
    assert "张一" in confirm.text and "王二" in confirm.text and "李三" not in confirm.text

    apply = confirm.forms["bulk-apply"]
    refused = apply.submit(status=400)  # no reason
    assert "请填写原因" in refused.text
    assert _statuses([zhang, wang]) == [CounselorStatus.APPOINTED] * 2

    apply = refused.forms["bulk-apply"]
    apply["reason"] = "年度考核整改期间暂停"
    done = apply.submit().follow()
    assert "已完成：2 名辅导员的变更" in done.text
    assert _statuses([zhang, wang, li]) == [CounselorStatus.SUSPENDED, CounselorStatus.SUSPENDED,
                                            CounselorStatus.APPOINTED]
    events = db.session.scalars(select(CounselorEvent).where(CounselorEvent.action == "suspend")).all()
    assert sorted(e.counselor_id for e in events) == sorted([zhang.id, wang.id])
    assert {e.reason for e in events} == {"年度考核整改期间暂停"}
    audited = db.session.scalars(select(AuditEntry.object_id).where(AuditEntry.action == "counselor.suspend")).all()
    assert sorted(audited) == sorted([str(zhang.id), str(wang.id)])
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "counselor.bulk")) == 1

    # The same confirmation submitted again (a double click, the back button): nothing more happens.
    again = apply.submit().follow()
    assert "已完成" in again.text
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == bulk.JOB_KIND)) == 1
    assert db.session.scalar(select(func.count()).select_from(CounselorEvent)
                             .where(CounselorEvent.action == "suspend")) == 2

    # The counselor's record shows the change with its reason.
    record = pages.get(f"/directory/{zhang.id}")
    assert "年度考核整改期间暂停" in record.text


def test_renew_all_matching_with_a_new_term(pages, world):
    county, people = _three(world)
    old_number, zhang_end = people[1].certificate_no, people[0].term_end
    pages.sign_in(county)
    search = pages.get("/directory/").forms["directory-filters"]
    search["q"] = "王二"
    form = search.submit().forms["bulk-form"]
    form["scope"], form["action"] = "all", "renew"
    confirm = form.submit()
    assert "将对 1 名辅导员执行“续聘”" in confirm.text
    apply = confirm.forms["bulk-apply"]
    new_end = local_today() + timedelta(days=3 * 365)
    apply["reason"], apply["term_end"] = "2025 年度评价合格，续聘", new_end.isoformat()
    apply.submit().follow()
    db.session.expire_all()
    wang = db.session.get(Counselor, people[1].id)
    assert wang.term_end == new_end and wang.certificate_no != old_number
    assert db.session.get(Counselor, people[0].id).term_end == zhang_end


def test_suspend_refuses_all_when_the_list_changed_after_confirming(pages, world):
    county, people = _three(world)
    pages.sign_in(county)
    form = pages.get("/directory/").forms["bulk-form"]
    form["scope"], form["action"] = "all", "suspend"
    apply = form.submit().forms["bulk-apply"]
    apply["reason"] = "整改"
    from marketplace.directory import services

    services.transition(people[0], "suspend", county, "单独暂停")  # meanwhile, someone suspends one
    db.session.commit()
    refused = apply.submit(status=409)
    assert "名单已有变化" in refused.text and "未作任何变更" in refused.text
    assert _statuses(people[1:]) == [CounselorStatus.APPOINTED] * 2


def test_all_or_nothing_when_one_transition_fails(world, monkeypatch):
    county, people = _three(world)
    from marketplace.directory import services
    from marketplace.errors import Conflict

    real = services.transition

    def flaky(counselor, action, actor, reason="", term_end=None):
        if counselor.id == people[2].id:
            raise Conflict("该记录已被他人更新，请刷新后重试")
        return real(counselor, action, actor, reason, term_end)

    monkeypatch.setattr(services, "transition", flaky)
    selection = bulk.Selection(ids=[c.id for c in people])
    job = bulk.apply(county, "suspend", selection, "整改", bulk.new_token(), 3)
    db.session.commit()
    assert job.state is JobState.FAILED and "李三" in job.errors[0]["message"]
    assert _statuses(people) == [CounselorStatus.APPOINTED] * 3
    assert db.session.scalar(select(func.count()).select_from(CounselorEvent)
                             .where(CounselorEvent.action == "suspend")) == 0


def test_only_own_appointees_change_the_city_above_changes_none(pages, world):
    _three(world)
    pages.sign_in(world["city"])
    listing = pages.get("/directory/")
    assert "张一" in listing.text  # the city sees the county's counselors ...
    form = listing.forms["bulk-form"]
    assert "ids" not in form.fields  # ... but has nothing to tick
    form["scope"], form["action"] = "all", "suspend"
    confirm = form.submit()
    assert "将对 0 名辅导员执行" in confirm.text and "3 人由其他部门聘任" in confirm.text
    assert "bulk-apply" not in confirm.forms


def test_township_is_not_offered_bulk_actions(pages, world):
    pages.sign_in(world["township"])
    assert "bulk-form" not in pages.get("/directory/").forms
    refused = pages.get("/directory/bulk?action=suspend&scope=all").follow()
    assert "只有县级及以上" in refused.text


def test_print_reuses_the_certificate_batch(pages, world):
    county, _people = _three(world)
    pages.sign_in(county)
    form = pages.get("/directory/").forms["bulk-form"]
    form["scope"], form["action"] = "all", "print"
    apply = form.submit().forms["bulk-apply"]
    apply["reason"] = "年度换发"
    batch = apply.submit().follow()
    assert "批量打印聘任证书" in batch.text
    job = db.session.scalars(select(Job).where(Job.kind == "certificates")).one()
    assert job.total == 3 and job.params["reason"] == "年度换发"


def test_large_selection_runs_in_the_background(app, world):
    app.config["BULK_INLINE_LIMIT"] = 2
    county, people = _three(world)
    job = bulk.apply(county, "suspend", bulk.Selection(), "整改", bulk.new_token(), 3)
    assert job.state is JobState.PENDING
    db.session.commit()  # the outbox sends it; Celery is eager in tests
    db.session.expire_all()
    assert db.session.get(Job, job.id).state is JobState.SUCCEEDED
    assert _statuses(people) == [CounselorStatus.SUSPENDED] * 3


def test_api_preview_apply_idempotent(client, world, api_token):
    county, people = _three(world)
    headers = api_token(county)
    body = {"action": "suspend", "ids": [people[0].id, people[1].id]}
    preview = client.post("/api/v1/counselors/bulk/preview", json=body, headers=headers)
    assert preview.status_code == 200 and preview.get_json()["changing"] == 2
    token = bulk.new_token()
    apply = {**body, "token": token, "expected": 2, "reason": "整改"}
    first = client.post("/api/v1/counselors/bulk", json=apply, headers=headers)
    assert first.status_code == 201 and first.get_json()["state"] == "succeeded"
    second = client.post("/api/v1/counselors/bulk", json=apply, headers=headers)
    assert second.get_json()["job_id"] == first.get_json()["job_id"] == token
    assert client.get(f"/api/v1/counselors/bulk/jobs/{token}", headers=headers).get_json()["total"] == 2
    missing = client.post("/api/v1/counselors/bulk", json={**apply, "token": bulk.new_token(), "reason": ""},
                          headers=headers)
    assert missing.status_code == 422
    stale = client.post("/api/v1/counselors/bulk", json={**apply, "token": bulk.new_token(), "expected": 2},
                        headers=headers)
    assert stale.status_code == 409 and "名单已有变化" in stale.get_json()["error"]["message"]


def test_a_capped_list_says_more_than_and_the_confirmation_counts_exactly(pages, world, app):
    """Past LIST_COUNT_CAP the list does not count every row; "all that match" is counted on the confirmation."""
    county, _people = _three(world)
    app.config["LIST_COUNT_CAP"] = 2
    try:
        pages.sign_in(county)
        listing = pages.get("/directory/")
        assert "超过 2 条，请用筛选缩小范围" in listing.text
        assert "全部筛选结果（超过 2 人，确认页显示确切人数）" in listing.text
        form = listing.forms["bulk-form"]
        form["scope"], form["action"] = "all", "suspend"
        assert "将对 3 名辅导员执行“暂停聘任”" in form.submit().text
    finally:
        app.config["LIST_COUNT_CAP"] = 10_000


def test_the_national_list_takes_its_floor_from_the_rollup(pages, world, app):
    """The national list with no filter is not counted when the country's roll-up already holds more than twice
    the cap; a filtered list, and a lower level, are counted as before."""
    from sqlalchemy import event

    from marketplace.oversight.models import RegionStat

    _three(world)
    app.config["LIST_COUNT_CAP"] = 2
    db.session.merge(RegionStat(region_code="000000", parent_code=None, stats={"counselors": 5}))
    db.session.commit()
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    def counted() -> bool:  # the list's capped count ran (not the unread count beside the session)
        return any(s.startswith("SELECT count(*)") and "FROM counselors" in s for s in statements)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        pages.sign_in(world["national"])
        statements.clear()
        listing = pages.get("/directory/")
        assert "超过 2 条，请用筛选缩小范围" in listing.text
        assert not counted()  # the roll-up said enough
        statements.clear()
        pages.get("/directory/?status=appointed")
        assert counted()  # a filter: counted
        db.session.merge(RegionStat(region_code="000000", parent_code=None, stats={"counselors": 4}))
        db.session.commit()
        statements.clear()
        pages.get("/directory/")
        assert counted()  # not past twice the cap: counted
        pages.sign_out()
        pages.sign_in(world["county"])
        statements.clear()
        pages.get("/directory/")
        assert counted()  # a county is always counted
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
        app.config["LIST_COUNT_CAP"] = 10_000
