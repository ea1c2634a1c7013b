"""The access matrix of the reporting pages (format: tests/marketplace/test_access.py). Subjects: 正定县's 2025
report, submitted to 石家庄市, with a typical case (with a photo) and an attachment; and 河北省's report accepted
by the ministry, whose case is published on the public 典型案例 page."""

from __future__ import annotations

import io

import pytest

from marketplace.extensions import db
from marketplace.reports import services
from tests.access import API, FORBIDDEN, FOUND, MISSING, OK, UNAUTH, WEB, access_cases, request_as
from tests.marketplace.reports.conftest import CASE_TEXT, draft, jpeg

OFFICIALS = {"anonymous": FOUND, "national": OK, "province": OK, "other_province": OK, "city": OK, "county": OK,
             "township": OK, "*": FORBIDDEN}
WRITERS = {**OFFICIALS, "national": FORBIDDEN, "township": FORBIDDEN}
OVERVIEW = {**OFFICIALS, "county": FORBIDDEN, "township": FORBIDDEN}
# 正定县's report: the county and every level above read it; 北京 and the township never see it (404).
READERS = {"anonymous": FOUND, "national": OK, "province": OK, "city": OK, "county": OK, "other_province": MISSING,
           "township": MISSING, "*": FORBIDDEN}
AUTHOR = {"anonymous": FOUND, "county": FOUND, "national": FORBIDDEN, "province": FORBIDDEN, "city": FORBIDDEN,
          "other_province": MISSING, "township": MISSING, "*": FORBIDDEN}
REVIEWER = {**AUTHOR, "county": FORBIDDEN, "city": FOUND}
BOTH = {**AUTHOR, "city": FOUND}
NOBODY = {**AUTHOR, "county": FORBIDDEN}  # a county report's case is published by no one
# 河北省's report accepted by the ministry: only the ministry publishes (or withdraws) its cases.
MINISTRY = {"anonymous": FOUND, "national": FOUND, "province": FORBIDDEN, "other_province": MISSING,
            "city": MISSING, "county": MISSING, "township": MISSING, "*": FORBIDDEN}
R = "/reports/{report}"
C = R + "/cases/{case}"

MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    (WEB, "GET", "/reports/", OFFICIALS),
    (WEB, "GET", "/reports/new", WRITERS),
    (WEB, "POST", "/reports/new", WRITERS),  # an empty form: the page again with messages
    (WEB, "GET", "/reports/overview", OVERVIEW),
    (WEB, "GET", R, READERS),
    (WEB, "GET", R + "/edit", AUTHOR),  # submitted: back to the report
    (WEB, "POST", R + "/edit", AUTHOR),
    (WEB, "POST", R + "/actions/submit", AUTHOR),  # already submitted: a message
    (WEB, "POST", R + "/actions/accept", REVIEWER),
    (WEB, "POST", R + "/comments", BOTH),
    (WEB, "GET", R + "/cases/new", AUTHOR),
    (WEB, "POST", R + "/cases/new", AUTHOR),
    (WEB, "POST", C + "/remove", AUTHOR),
    (WEB, "POST", C + "/photos", AUTHOR),
    (WEB, "GET", C + "/photos/{photo}", READERS),
    (WEB, "POST", C + "/photos/{photo}/remove", AUTHOR),
    (WEB, "POST", C + "/publish", NOBODY),
    (WEB, "POST", "/reports/{province_report}/cases/{published}/publish", MINISTRY),
    (WEB, "POST", "/reports/{province_report}/cases/{published}/unpublish", MINISTRY),
    (WEB, "POST", R + "/attachments", AUTHOR),
    (WEB, "GET", R + "/attachments/{attachment}", READERS),
    (WEB, "POST", R + "/attachments/{attachment}/remove", AUTHOR),
    (WEB, "GET", "/cases/", {"*": OK}),
    (WEB, "GET", "/cases/{published}", {"*": OK}),
    (WEB, "GET", "/cases/{published}/photos/{published_photo}.jpg", {"*": OK}),
    (WEB, "GET", "/cases/{case}", {"*": MISSING}),  # not published
    (WEB, "GET", "/cases/{case}/photos/{photo}.jpg", {"*": MISSING}),
    (API, "GET", "/api/v1/reports", {"anonymous": UNAUTH, "*": OK}),  # others get an empty list
    (API, "GET", "/api/v1/reports/{report}", {"anonymous": UNAUTH, "national": OK, "province": OK, "city": OK,
                                              "county": OK, "*": MISSING}),
    (API, "POST", "/api/v1/reports/{report}/transitions", {"anonymous": UNAUTH, "city": OK, "national": FORBIDDEN,
                                                           "province": FORBIDDEN, "county": FORBIDDEN,
                                                           "*": MISSING}),
]


@pytest.fixture
def subjects(world, accepted):
    county, province, national = world["county"], world["province"], world["national"]
    report = draft(county)
    case = services.add_case(report, accepted.id, "财务规范化让社员增收", CASE_TEXT, county)
    photo = services.add_photo(case, io.BytesIO(jpeg()), "账簿", county)
    attachment = services.add_attachment(report, io.BytesIO(b"%PDF-1.4 x"), "总结.pdf", county)
    services.transition(report, "submit", county)
    theirs = draft(province)
    published = services.add_case(theirs, accepted.id, "辅导员带动合作社规范发展", CASE_TEXT, province)
    published_photo = services.add_photo(published, io.BytesIO(jpeg()), "", province)
    services.transition(theirs, "submit", province)
    services.transition(theirs, "accept", national)
    services.set_published(published, True, national)
    db.session.commit()
    return {"report": report.id, "case": case.id, "photo": photo.id, "attachment": attachment.id,
            "province_report": theirs.id, "published": published.id, "published_photo": published_photo.id}


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, subjects, kind, method, path, actor, status):
    url = path.format(**subjects)
    body = {"action": "accept"} if url.endswith("/transitions") else {}
    response = request_as(client, world.get(actor), kind, method, url, body)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
