"""Screenshots of the reporting pages: 正定县's accepted 2025 report, 石家庄市's overview of its counties (one
overdue), 行唐县's returned report on a phone, the ministry's view of 河北省's report, and the public 典型案例
pages (desktop and phone).

Run against a served platform with demo data (scripts/run):
    PYTHONPATH=. .venv/bin/python scripts/screenshots_reports.py [--base http://127.0.0.1:5000] \
        [--out docs/screenshots]
Uses Debian's Chromium (/usr/bin/chromium) through Playwright; nothing is downloaded.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from scripts.screenshots import FLAGS, PHONE, sign_in


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def shot(page, name: str) -> None:
        page.screenshot(path=out / f"reports-{name}.png", full_page=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = sign_in(browser, args.base, "zhengding")
        page.goto(args.base + "/reports/")
        shot(page, "list")
        page.click("text=2025年度")
        shot(page, "accepted")
        page.close()
        page = sign_in(browser, args.base, "shijiazhuang")
        page.goto(args.base + "/reports/overview")
        shot(page, "overview")
        page.close()
        page = sign_in(browser, args.base, "xingtang", viewport=PHONE)
        page.goto(args.base + "/reports/")
        page.click("text=2025年度")
        shot(page, "returned-phone")
        page.close()
        page = sign_in(browser, args.base, "admin")
        page.goto(args.base + "/reports/overview")
        shot(page, "ministry-overview")
        page.close()
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(args.base + "/cases/")
        shot(page, "public-cases")
        page.click("text=红枣合作社走上规范经营之路")
        shot(page, "public-case")
        page.close()
        page = browser.new_page(viewport=PHONE)
        page.goto(args.base + "/cases/")
        page.click("text=红枣合作社走上规范经营之路")
        shot(page, "public-case-phone")
        page.close()
        browser.close()


if __name__ == "__main__":
    main()
