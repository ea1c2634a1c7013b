"""Pages fit a phone: at 390 px wide nothing is wider than the screen (issue 12 defect 16: the English
/directory/ was 434 px wide and /audit/ squeezed its columns to one character a line). Real Chromium (Debian's,
through Playwright) against the app served from the test database; screenshots go to instance/test-screenshots/
to be looked at."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from marketplace.audit.services import record
from marketplace.directory import services as directory
from tests.conftest import TEST_PASSWORD, require_service
from tests.marketplace.directory.certificate_helpers import appoint

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
# The innermost elements that reach past the screen's right edge, to say what to fix.
WIDEST = """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391
  && ![...e.children].some(c => c.getBoundingClientRect().right > 391))
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40))"""


@pytest.fixture
def served(app, db):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_directory_and_audit_fit_a_phone_in_both_languages(served, world, db):
    require_service("Chromium", os.path.exists(CHROMIUM))
    from playwright.sync_api import sync_playwright

    county = world["county"]
    for n, name in enumerate(["刘桂芳", "欧阳娜娜", "张三"]):
        counselor = appoint(county, name=name, n=n)
    directory.reveal_personal(county, counselor, purpose="核对身份信息，联系本人确认服务区域和联系方式是否变更")
    record(county, "counselor.update", counselor, region_code="130123", reason="更新工作单位" * 5)
    db.session.commit()
    shots = Path(__file__).resolve().parents[1] / "instance" / "test-screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    widths = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport=PHONE, device_scale_factor=1)
        page.goto(served + "/auth/login")
        page.fill("input[name=username]", county.username)
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("button[type=submit]")
        for lang in ("zh_CN", "en"):
            page.goto(f"{served}/lang/{lang}")
            for path in ("/directory/", "/audit/"):
                page.goto(served + path)
                widths[(lang, path)] = page.evaluate("document.documentElement.scrollWidth")
                if widths[(lang, path)] > PHONE["width"]:
                    widths[(lang, path, "widest")] = page.evaluate(WIDEST)
                page.screenshot(path=str(shots / f"phone-{lang}-{path.strip('/')}.png"), full_page=True)
        browser.close()
    assert all(width <= PHONE["width"] for width in widths.values()), widths
