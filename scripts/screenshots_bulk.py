"""Screenshots of the bulk actions on the directory list, the attendance import page and the training completion
on the dashboard, on a desktop and a phone (390 px).

Run against a served platform with demo data (scripts/run):
    PYTHONPATH=. .venv/bin/python scripts/screenshots_bulk.py [--base http://127.0.0.1:5000] [--out docs/screenshots]
Uses Debian's Chromium (/usr/bin/chromium) through Playwright; nothing is downloaded. Changes nothing: the
confirmation page is read only and is not applied.
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

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        for suffix, viewport in (("", None), ("-phone", PHONE)):
            def shot(page, name: str, suffix=suffix) -> None:
                page.screenshot(path=out / f"{name}{suffix}.png", full_page=True)

            extra = {"viewport": viewport} if viewport else {}
            page = sign_in(browser, args.base, "zhengding", **extra)
            page.goto(args.base + "/directory/?status=appointed")
            boxes = page.locator("input[name=ids]")
            for i in range(min(3, boxes.count())):
                boxes.nth(i).check()
            shot(page, "bulk-list")
            page.select_option("select[name=action]", "renew")
            page.click("text=下一步：确认")
            shot(page, "bulk-confirm")
            page.goto(args.base + "/training/")
            page.click("text=绿色生产与化肥农药减量技术培训")
            page.click("text=从签到表导入")
            shot(page, "training-attendance-import")
            page.close()
            page = sign_in(browser, args.base, "shijiazhuang", **extra)
            page.goto(args.base + "/oversight/")
            shot(page, "oversight-training")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
