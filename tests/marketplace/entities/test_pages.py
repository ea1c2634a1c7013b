"""Registering an entity through the rendered form, the credit-code prefix rule (domain.md: cooperatives and
federations begin with 93) the same for the form, the API and the import, and the entities pages staying
within a phone's width whatever name was typed (headless Chromium at 390 px)."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from marketplace.entities.models import Entity
from marketplace.extensions import db
from tests.conftest import require_service
from tests.marketplace.entities.test_imports import row, run, save, xlsx  # noqa: F401  (save is a fixture)
from tests.marketplace.needs.helpers import credit_code, make_entity

INDIVIDUAL = credit_code(7, prefix="92130123")  # a valid code of an individual business (个体工商户)
PREFIX_MESSAGE = "合作社和联合社的统一社会信用代码以 93 开头"


def _register_form(pages):
    page = pages.get("/entities/new")
    form = pages.form_with(page, "登记")
    form["type"] = "cooperative"
    form["name"] = "正定县塔元庄果蔬种植专业合作社"
    form["legal_representative"] = "刘建军"
    form["contact_phone"] = "13931100001"
    form["region_code"] = "130123100"
    form["industries"] = ["1"]
    return page, form


def test_a_cooperative_with_an_individual_business_code_is_refused_everywhere(pages, client, world, api_token,
                                                                               save):  # noqa: F811
    pages.sign_in(world["operator"])
    _page, form = _register_form(pages)
    form["credit_code"] = INDIVIDUAL
    refused = form.submit()
    assert refused.status_int == 200 and PREFIX_MESSAGE in refused.text
    assert "18 位，合作社以 93 开头" in refused.text  # the page's own hint says the same
    # a family farm may be registered as an individual business
    form = pages.form_with(refused, "登记")
    form["type"] = "family_farm"
    form["name"] = "正定县王家家庭农场"
    assert form.submit().status_int == 302

    body = {"type": "federation", "name": "正定县果蔬合作社联合社", "credit_code": INDIVIDUAL,
            "legal_representative": "刘建军", "contact_phone": "13931100002", "region_code": "130123100",
            "industries": 1}
    refused = client.post("/api/v1/entities", json=body, headers=api_token(world["operator"]))
    assert refused.status_code == 400 and PREFIX_MESSAGE in refused.get_json()["error"]["message"]

    outcome = run(world["county"], save(xlsx([row(1, 统一社会信用代码=INDIVIDUAL)])))
    assert any(e["column"] == "统一社会信用代码" and PREFIX_MESSAGE in e["message"] for e in outcome.errors)
    assert db.session.scalar(select(func.count()).select_from(Entity)) == 1  # only the family farm


# --- phone width ------------------------------------------------------------------------------------------------

LONG = "正定县" + "A" * 114 + "合作社"  # 120 characters, the middle without a break opportunity


def _widths(app, pages, paths: list[str]) -> dict[str, int]:
    """Each page's document width in headless Chromium at 390 px; requests are answered by the app itself
    (through WebTest, signed in as `pages` is), so no server runs."""
    sync_api = pytest.importorskip("playwright.sync_api")
    base = "http://fudao.test"

    def answer(route):
        path = route.request.url.removeprefix(base)
        with app.app_context():  # Playwright calls back in its own greenlet, outside the test's context
            res = pages.get(path, expect_errors=True)
        route.fulfill(status=res.status_int, body=res.body,
                      headers={"content-type": res.headers.get("Content-Type", "text/html")})

    widths = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.route("**/*", answer)
        for path in paths:
            page.goto(base + path)
            widths[path] = page.evaluate("document.documentElement.scrollWidth")
        browser.close()
    return widths


def test_a_long_unbroken_name_does_not_widen_the_entities_pages_on_a_phone(app, pages, world):
    require_service("headless Chromium (/usr/bin/chromium)", bool(shutil.which("chromium")))
    entity = make_entity(world["operator"], name=LONG)
    pages.sign_in(world["operator"])
    own = _widths(app, pages, ["/entities/", f"/entities/{entity.id}"])
    pages.sign_out()
    pages.sign_in(world["county"])
    listed = _widths(app, pages, ["/entities/"])
    assert set(own.values()) | set(listed.values()) == {390}, (own, listed)
