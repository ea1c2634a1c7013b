"""Matching reasons read in the page's language: Chinese as the library writes them, English through Babel."""

from __future__ import annotations

from marketplace.ranking.labels import reason_text
from matching.features import Reason, nearness_reason
from tests.conftest import text_of
from tests.marketplace.needs.helpers import make_counselor, make_need
from tests.test_i18n import english  # noqa: F401  (the fixture)


def test_a_reason_is_its_chinese_text_with_a_code(app):
    reason = nearness_reason(3, 12.4)
    assert reason == "同县，约 12 公里" and "；".join([reason, "x"]) == "同县，约 12 公里；x"
    assert (reason.code, reason.params) == ("near_km", {"level": 3, "km": 12})
    with app.test_request_context():
        assert reason_text(reason) == "同县，约 12 公里"  # Chinese pages show the library's text
        assert reason_text("专长匹配：财务会计") == "专长匹配：财务会计"  # a stored string stays as written


def test_reasons_on_the_need_page_follow_the_language(client, login, world, english):  # noqa: F811
    make_counselor(world["county"])
    need = make_need(world["operator"])  # finance, in the counselor's county
    login(world["operator"])
    chinese = text_of(client.get(f"/needs/{need.id}"))
    assert "专长匹配：财务会计" in chinese and "在办 0/5" in chinese
    client.get("/lang/en")
    page = text_of(client.get(f"/needs/{need.id}"))
    assert f"Specialty: {english('财务会计')}" in page and "Workload 0/5" in page
    assert "专长匹配" not in page and "在办" not in page


def test_an_unknown_code_falls_back_to_the_chinese_text(app):
    with app.test_request_context():
        assert reason_text(Reason("新的理由", "not_known_yet")) == "新的理由"
