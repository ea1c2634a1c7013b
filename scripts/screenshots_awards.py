"""Screenshots of the award pages: the county's list, a returned nomination, the city's decision page, the
public list of the year's awards on a phone, and the public directory with award badges.

Run against a served platform with demo data (scripts/run):
    PYTHONPATH=. .venv/bin/python scripts/screenshots_awards.py [--base http://127.0.0.1:5000] [--out docs/screenshots]
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
        page.screenshot(path=out / f"awards-{name}.png", full_page=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = sign_in(browser, args.base, "zhengding")
        page.goto(args.base + "/awards/")
        shot(page, "list")
        page.goto(args.base + "/awards/?state=returned")
        page.click("table a")
        shot(page, "returned")
        page.goto(args.base + "/awards/new?subject=counselor")
        shot(page, "new")
        page.close()
        page = sign_in(browser, args.base, "shijiazhuang", viewport=PHONE)
        page.goto(args.base + "/awards/?state=nominated")
        page.click("table a")
        shot(page, "decide-phone")
        page.close()
        page = browser.new_page(viewport=PHONE)
        page.goto(args.base + "/public/awards/")
        shot(page, "public-phone")
        page.close()
        page = browser.new_page()
        page.goto(args.base + "/public/awards/")
        shot(page, "public")
        page.goto(args.base + "/public/counselors")
        shot(page, "directory")
        page.close()
        browser.close()


if __name__ == "__main__":
    main()
