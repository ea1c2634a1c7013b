"""The public face: the anonymous home page leads to the directory and the catalogue; both are searched by
place (province → city → county, through the rendered selects as a browser without JavaScript would), specialty
and industry; the catalogue shows each offering's dated prices. Bad input is ignored, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from marketplace.centers import services as centers
from marketplace.centers.models import OfferingPriceChange
from marketplace.extensions import db
from tests.conftest import text_of
from tests.marketplace.centers.conftest import offering_input
from tests.marketplace.needs.helpers import make_counselor


@pytest.fixture
def counselors(world):
    hebei_county = make_counselor(world["county"], name="正定辅导员", specialties=4, industries=1)
    town = make_counselor(world["county"], name="镇上辅导员", specialties=8, industries=2, region_code="130123100")
    beijing = make_counselor(world["other_province"], name="北京辅导员", region_code="110101")
    return hebei_county, town, beijing


def names(page) -> list[str]:
    return [h.get_text(" ", strip=True).split(" ")[0] for h in page.html.select(".card h2")]


def test_home_page_leads_to_the_public_pages(pages):
    home = pages.get("/")
    links = home.html.select("[data-testid=public-links] a")
    assert [a["href"] for a in links] == ["/public/counselors", "/catalogue/", "/public/awards/", "/public/notices/",
                                          "/cases/"]
    assert "辅导员公开名录" in home.click("辅导员公开名录").text
    assert "服务中心与公开价格" in pages.get("/").click(href="/catalogue/").text
    for href, title in (("/public/awards/", "评优评先"), ("/public/notices/", "通知公告"), ("/cases/", "典型案例")):
        assert title in pages.get("/").click(href=href).text


def test_directory_searched_by_place_through_the_rendered_selects(pages, counselors):
    page = pages.get("/public/counselors")
    assert set(names(page)) == {"正定辅导员", "镇上辅导员", "北京辅导员"}
    form = page.forms["public-search"]
    assert [o[0] for o in form["city"].options] == [""]  # no province yet: no cities
    form["province"] = "130000"
    page = form.submit()
    assert set(names(page)) == {"正定辅导员", "镇上辅导员"}
    form = page.forms["public-search"]
    assert ("130100", False, "石家庄市") in form["city"].options
    form["city"] = "130100"
    page = form.submit()
    form = page.forms["public-search"]
    assert ("130123", False, "正定县") in form["county"].options, page.request.url
    form["county"] = "130123"
    form["specialty"] = "8"
    page = form.submit()
    assert names(page) == ["镇上辅导员"]
    assert "共 1 位" in page.text
    form = page.forms["public-search"]
    assert (form["province"].value, form["city"].value, form["county"].value) == ("130000", "130100", "130123")
    form["specialty"], form["industry"] = "", "1"
    assert names(form.submit()) == ["正定辅导员"]


def test_public_directory_shows_no_personal_data(client, counselors):
    html = client.get("/public/counselors?province=130000").get_data(as_text=True)
    for counselor in counselors[:2]:
        assert counselor.id_number_masked not in html
        assert counselor.phone_masked not in html


@pytest.mark.parametrize("query", [
    "province=130000&city=110100",  # a city not in the province: dropped
    "province=x&city=y&county=z", "county=130123", "specialty=99999999999999999999&industry=-1",
    "region_code=999999", "region_code=" + "1" * 40, "province=" + "%00" * 3,
])
def test_bad_place_input_is_ignored(client, counselors, query):
    for path in ("/public/counselors", "/catalogue/"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == (422 if "%00" in query else 200), (path, query)  # NUL: refused app-wide


def test_a_city_outside_the_province_is_dropped(pages, counselors):
    page = pages.get("/public/counselors?province=130000&city=110100")
    assert page.forms["public-search"]["city"].value == ""
    assert set(names(page)) == {"正定辅导员", "镇上辅导员"}


def test_an_old_region_link_fills_the_levels(pages, counselors):
    page = pages.get("/public/counselors?region_code=130123")
    form = page.forms["public-search"]
    assert (form["province"].value, form["city"].value, form["county"].value) == ("130000", "130100", "130123")


def test_catalogue_by_place_with_dated_prices(pages, world):
    from tests.marketplace.agreements.conftest import filed_center_offering

    center, offering = filed_center_offering(world)
    centers.update_offering(world["center_staff"], offering, offering_input(price_min="2000", delivery_days=20))
    db.session.commit()
    first, second = sorted(db.session.scalars(select(OfferingPriceChange)), key=lambda c: c.id)
    first.changed_at = datetime(2025, 3, 1, 2, tzinfo=UTC)
    second.changed_at = datetime(2025, 9, 15, 2, tzinfo=UTC)
    db.session.commit()

    page = pages.get("/catalogue/")
    form = page.forms["public-search"]
    form["province"] = "130000"
    page = form.submit()
    page.forms["public-search"]["city"] = "130100"
    page = page.forms["public-search"].submit()
    assert center.name in page.text and "共 1 家" in page.text
    history = "".join(page.html.select_one("[data-testid=price-history]").get_text("").split())
    assert "价格记录（2条）" in history
    assert "2025-09-15：¥2,400.00→¥2,000.00" in history
    assert "2025-03-01：首次公布¥2,400.00" in history
    detail = pages.get(f"/catalogue/{center.id}")
    assert "价格记录（2 条）" in detail.text

    beijing = pages.get("/catalogue/?province=110000")
    assert center.name not in beijing.text and "共 0 家" in beijing.text


def test_public_pages_in_english(client, counselors):
    client.get("/lang/en")
    page = text_of(client.get("/public/counselors?province=130000"))
    assert "All cities" in page and "All counties" in page and "全部区县" not in page
    assert "Find appointed counselors" in text_of(client.get("/"))
