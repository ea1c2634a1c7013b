"""The access matrix of the notice pages and API (format: tests/marketplace/test_access.py). The subjects are a
published notice of 正定县 (130123) to every kind of recipient, with an attachment, public; and a draft of it."""

from __future__ import annotations

from io import BytesIO

import pytest

from marketplace.extensions import db
from marketplace.notices import services
from tests.access import API, FORBIDDEN, FOUND, MISSING, OK, UNAUTH, WEB, access_cases, request_as
from tests.marketplace.notices.conftest import notice_input

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SIGNED_IN = {"anonymous": FOUND, "*": OK}
OFFICIALS = {"anonymous": FOUND, "national": OK, "province": OK, "other_province": OK, "city": OK, "county": OK,
             "township": OK, "*": FORBIDDEN}
# The county's notice: the county and those above it (jurisdiction), and its recipients below it.
READERS = {"anonymous": FOUND, "other_province": MISSING, "*": OK}
COUNTERS = {"anonymous": FOUND, "national": OK, "province": OK, "city": OK, "county": OK, "township": FORBIDDEN,
            "other_province": MISSING, "*": FORBIDDEN}
# Managed by the publishing county only; officials above and recipients see it (403), others never (404).
MANAGER_POST = {"anonymous": FOUND, "county": FOUND, "other_province": MISSING, "*": FORBIDDEN}
DRAFT_PAGE = {"anonymous": FOUND, "county": OK, "national": MISSING, "province": MISSING, "city": MISSING,
              "township": MISSING, "other_province": MISSING, "*": FORBIDDEN}
DRAFT_POST = {**DRAFT_PAGE, "county": FOUND}
API_READERS = {"anonymous": UNAUTH, "other_province": MISSING, "*": OK}

MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    (WEB, "GET", "/notices/", SIGNED_IN),
    (WEB, "GET", "/notices/?box=sent", SIGNED_IN),
    (WEB, "GET", "/notices/new", OFFICIALS),
    (WEB, "POST", "/notices/new", OFFICIALS),  # an empty form: the page again with messages
    (WEB, "GET", "/notices/{notice}", READERS),
    (WEB, "GET", "/notices/{notice}/attachments/{attachment}", READERS),
    (WEB, "GET", "/notices/{notice}/receipts", COUNTERS),
    (WEB, "GET", "/notices/{draft}", {"anonymous": FOUND, "county": OK, "*": MISSING}),
    (WEB, "GET", "/notices/{draft}/edit", DRAFT_PAGE),
    (WEB, "POST", "/notices/{draft}/edit", DRAFT_PAGE),
    (WEB, "POST", "/notices/{draft}/attachments", DRAFT_POST),
    (WEB, "POST", "/notices/{draft}/attachments/{draft_attachment}/remove", DRAFT_POST),
    (WEB, "POST", "/notices/{notice}/actions/withdraw", MANAGER_POST),  # no reason: refused, back to the page
    (WEB, "POST", "/notices/{draft}/actions/publish", DRAFT_POST),
    (WEB, "GET", "/public/notices/", {"*": OK}),
    (WEB, "GET", "/public/notices/{notice}", {"*": OK}),
    (WEB, "GET", "/public/notices/{notice}/attachments/{attachment}", {"*": OK}),
    (WEB, "GET", "/public/notices/{draft}", {"*": MISSING}),
    (API, "GET", "/api/v1/notices", {"anonymous": UNAUTH, "*": OK}),
    (API, "GET", "/api/v1/notices?box=sent", {"anonymous": UNAUTH, "*": OK}),
    (API, "POST", "/api/v1/notices", {"anonymous": UNAUTH, "*": 422}),  # an empty body
    (API, "GET", "/api/v1/notices/{notice}", API_READERS),
    (API, "GET", "/api/v1/notices/{draft}", {"anonymous": UNAUTH, "county": OK, "*": MISSING}),
    # Only recipients have a receipt: the county and those above read it but get 403.
    (API, "POST", "/api/v1/notices/{notice}/read", {"anonymous": UNAUTH, "national": FORBIDDEN,
                                                    "province": FORBIDDEN, "city": FORBIDDEN, "county": FORBIDDEN,
                                                    "other_province": MISSING, "*": OK}),
    (API, "GET", "/api/v1/notices/{notice}/counts", {"anonymous": UNAUTH, "national": OK, "province": OK,
                                                     "city": OK, "county": OK, "other_province": MISSING,
                                                     "*": FORBIDDEN}),
]


@pytest.fixture
def subjects(world):
    county = world["county"]
    notice = services.create_notice(county, notice_input(is_public=True))
    attachment = services.attach(notice, BytesIO(PDF), "实施方案.pdf", county)
    services.transition(notice, "publish", county)
    draft = services.create_notice(county, notice_input(title="草稿通知"))
    draft_attachment = services.attach(draft, BytesIO(PDF), "草稿附件.pdf", county)
    db.session.commit()
    return {"notice": notice.id, "attachment": attachment.id, "draft": draft.id,
            "draft_attachment": draft_attachment.id}


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, subjects, kind, method, path, actor, status):
    url = path.format(**subjects)
    response = request_as(client, world.get(actor), kind, method, url, {})
    assert response.status_code == status, response.get_data(as_text=True)[:500]


def test_a_county_notice_never_reaches_another_county(client, world, make_user, subjects):
    xingtang = make_user(Role_operator(), region_code="130125")
    assert request_as(client, xingtang, WEB, "GET", f"/notices/{subjects['notice']}").status_code == MISSING
    listed = request_as(client, xingtang, WEB, "GET", "/notices/").get_data(as_text=True)
    assert "关于开展2025年度辅导员信息更新的通知" not in listed


def Role_operator():
    from marketplace.accounts.models import Role

    return Role.OPERATOR
