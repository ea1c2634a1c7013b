"""Screenshots of the training pages: the county's list and a held training with its list, the attendance
form, the coverage page of the city, and the counselor's view of a planned training on a phone.

Run against a served platform with demo data (scripts/run):
    PYTHONPATH=. .venv/bin/python scripts/screenshots_training.py [--base http://127.0.0.1:5000] \
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
        page.screenshot(path=out / f"training-{name}.png", full_page=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = sign_in(browser, args.base, "zhengding")
        page.goto(args.base + "/training/")
        shot(page, "list")
        page.click("text=合作社财务规范化培训")
        shot(page, "held")
        page.goto(args.base + "/training/")
        page.click("text=绿色生产与化肥农药减量技术培训")
        page.click("text=登记出勤")
        shot(page, "attendance")
        page.close()
        page = sign_in(browser, args.base, "shijiazhuang")
        page.goto(args.base + "/training/coverage?year=2025")
        shot(page, "coverage")
        page.close()
        page = sign_in(browser, args.base, "fdy_liu", viewport=PHONE)
        page.goto(args.base + "/training/")
        page.click("text=绿色生产与化肥农药减量技术培训")
        shot(page, "counselor-phone")
        page.goto(args.base + "/directory/me")
        shot(page, "record-phone")
        page.close()
        browser.close()


if __name__ == "__main__":
    main()
