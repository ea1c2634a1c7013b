"""Training completion on the dashboards: per region below, counselors in post with no training this year and
the share trained, linking to the training coverage page that lists them."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.oversight import services as oversight
from marketplace.training import services
from tests.marketplace.needs.helpers import make_counselor
from tests.marketplace.training.conftest import plan


def test_city_dashboard_shows_untrained_per_county_and_links_to_them(pages, world):
    county = world["county"]
    trained, untrained, other = (make_counselor(county, name=n) for n in ("郭建国", "孙丽", "马超"))
    training = plan(county)
    enrollment = services.enroll(training, trained, county)
    services.record_attendance(training, {enrollment.id: (True, None)}, county)
    oversight.refresh_rollups()
    db.session.commit()

    pages.sign_in(world["city"])
    board = pages.get("/oversight/?region=130100")
    assert "1 / 3（33.3%）" in board.text
    row = board.html.select_one('[data-testid="untrained-130123"]')
    assert row is not None and row.text.strip() == "2"
    listing = board.click(href="/training/coverage.*region=130123")
    assert "孙丽" in listing.text and "马超" in listing.text and "郭建国" not in listing.text.split("本年度尚未参训")[1]
    assert other.id != untrained.id


def test_counts_only_counselors_in_post(world):
    county = world["county"]
    suspended = make_counselor(county, name="赵六")
    from marketplace.directory import services as directory

    directory.transition(suspended, "suspend", county, "整改")
    make_counselor(county, name="孙丽")
    oversight.refresh_rollups()
    board = oversight.dashboard(db.session.get(oversight.Region, "130123"))
    assert board.value("in_post") == 1 and board.value("trained") == 0 and board.trained_share == 0.0
