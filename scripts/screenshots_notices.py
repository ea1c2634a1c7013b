"""Screenshots of the notice pages: the province's list of sent notices, the city's notice with its
attachment and read counts per county, a draft with its buttons, the counselor's received list and a notice on
a phone, and the public page from the anonymous home page.

Run against a served platform with demo data (scripts/run):
    PYTHONPATH=. .venv/bin/python scripts/screenshots_notices.py [--base http://127.0.0.1:5000] \
        [--out docs/screenshots]
Uses Debian's Chromium (/usr/bin/chromium) through Playwright; nothing is downloaded.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from scripts.screenshots import FLAGS, PHONE, sign_in

CITY_NOTICE = "关于开展2025年“千员带万社”秋季服务对接活动的通知"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def shot(page, name: str) -> None:
        page.screenshot(path=out / f"notices-{name}.png", full_page=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = sign_in(browser, args.base, "shijiazhuang")
        page.goto(args.base + "/notices/?box=sent")
        shot(page, "sent")
        page.click(f"text={CITY_NOTICE}")
        shot(page, "show")
        page.click("text=阅读情况")
        shot(page, "receipts")
        page.close()
        page = sign_in(browser, args.base, "zhengding")
        page.goto(args.base + "/notices/?box=sent")
        page.click("text=绩效评价的预通知")
        shot(page, "draft")
        page.close()
        page = sign_in(browser, args.base, "fdy_chen", viewport=PHONE)
        page.goto(args.base + "/notices/")
        shot(page, "received-phone")
        page.click(f"text={CITY_NOTICE}")
        shot(page, "show-phone")
        page.close()
        page = browser.new_page(viewport=PHONE)
        page.goto(args.base + "/")
        page.click("text=通知公告")
        shot(page, "public-phone")
        page.close()
        browser.close()


if __name__ == "__main__":
    main()
