"""Screenshots of the provider pages: the demo counselor's page as the public sees it (desktop and phone) and
as the operator sees it, a center's page with its prices, the question thread, and the need page with its
progress line on a phone, in Chinese and in English.

Run against a served platform with demo data (scripts/run):
    PYTHONPATH=. .venv/bin/python scripts/screenshots_providers.py [--base http://127.0.0.1:5000] \
        [--out docs/screenshots]
Uses Debian's Chromium (/usr/bin/chromium) through Playwright; nothing is downloaded.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from scripts.screenshots import DESKTOP, FLAGS, PHONE, sign_in


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def shot(page, name: str) -> None:
        page.screenshot(path=out / f"providers-{name}.png", full_page=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport=DESKTOP)
        page.goto(args.base + "/public/counselors")
        page.click("main a[href^='/providers/counselors/']")
        counselor_url = page.url
        shot(page, "public")
        page.set_viewport_size(PHONE)
        shot(page, "public-phone")
        page.goto(args.base + "/catalogue/")
        page.click("main a[href^='/providers/centers/']")
        page.set_viewport_size(DESKTOP)
        shot(page, "center")
        page.close()
        page = sign_in(browser, args.base, "coop_zhengding")
        page.goto(args.base + "/needs/")
        shot(page, "needs-list")
        page.click("[data-testid=progress] >> xpath=.. >> a")
        shot(page, "need")
        page.click("[data-testid=threads] a")
        shot(page, "thread")
        page.set_viewport_size(PHONE)
        shot(page, "thread-phone")
        page.go_back()
        shot(page, "need-phone")
        page.goto(counselor_url)
        shot(page, "operator-phone")
        page.set_viewport_size(DESKTOP)
        shot(page, "operator")
        page.goto(args.base + "/lang/en")
        page.goto(counselor_url)
        shot(page, "operator-en")
        page.set_viewport_size(PHONE)
        shot(page, "operator-en-phone")
        page.goto(args.base + "/lang/zh_CN")
        page.close()
        page = sign_in(browser, args.base, "zhengding")
        page.goto(counselor_url)
        shot(page, "official")
        page.close()
        browser.close()


if __name__ == "__main__":
    main()
