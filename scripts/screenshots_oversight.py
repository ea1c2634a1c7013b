"""Screenshots of the oversight pages: the national, a province (河北) and a county (正定) dashboard, a report
page, and an evaluation result.

Run against a served platform with demo data (`flask seed-demo` refreshes the roll-ups) whose Celery tasks run
(a worker, or FUDAO_CELERY__task_always_eager=true for a local demo):
    PYTHONPATH=. .venv/bin/python scripts/screenshots_oversight.py \
        [--base http://127.0.0.1:5000] [--out docs/screenshots]
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
        page.wait_for_timeout(800)  # the charts animate in
        page.screenshot(path=out / f"oversight-{name}.png", full_page=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = sign_in(browser, args.base, "admin")
        page.goto(args.base + "/oversight/")
        shot(page, "national")
        page.goto(args.base + "/oversight/?region=130000")
        shot(page, "province-hebei")
        page.close()
        page = sign_in(browser, args.base, "zhengding")
        page.goto(args.base + "/oversight/")
        shot(page, "county-zhengding")
        page.click("main form button:has-text('生成报告')")
        page.wait_for_load_state("networkidle")
        page.wait_for_selector("[data-done]:not(.d-none)", timeout=30000)
        shot(page, "report")
        page.goto(args.base + "/evaluation/")
        shot(page, "evaluation-results")
        page.close()
        page = sign_in(browser, args.base, "zhengding", PHONE)
        page.goto(args.base + "/oversight/")
        shot(page, "county-zhengding-phone")
        browser.close()


if __name__ == "__main__":
    main()
