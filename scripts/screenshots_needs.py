"""Screenshots of the marketplace path at phone width (390 px): a farm operator registers an entity, posts a
need, sees ranked candidates and invites one; then the counselor's inbox.

Run against a served platform with demo data and a fresh operator account `farm_zhao` (正定镇):
    PYTHONPATH=. .venv/bin/python scripts/screenshots_needs.py [--base http://127.0.0.1:5000] [--out docs/screenshots]
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
    parser.add_argument("--operator", default="farm_zhao")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def shot(page, name: str) -> None:
        page.wait_for_timeout(400)
        page.screenshot(path=out / f"{name}-phone.png", full_page=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = sign_in(browser, args.base, viewport=PHONE, username=args.operator)
        page.goto(args.base + "/entities/new")
        page.wait_for_load_state("networkidle")
        page.select_option("#type", "family_farm")
        page.fill("#name", "正定县赵家家庭农场")
        page.fill("#legal_representative", "赵春来")
        page.fill("#contact_phone", "13931100009")
        page.fill("#address", "正定县正定镇北关村")
        page.check("input[name=industries][value='4']")
        page.check("input[name=industries][value='2']")
        page.fill("#area_mu", "85")
        page.fill("#founded_year", "2019")
        shot(page, "entity-register")
        page.click("main form button[type=submit]")
        page.wait_for_load_state("networkidle")
        shot(page, "entity-registered")
        page.click("main a:has-text('发布需求')")
        page.wait_for_load_state("networkidle")
        page.select_option("#category", "4")
        page.fill("#title", "帮助建立家庭农场收支账簿")
        page.fill("#description", "农场只有简单的流水账，想建立规范的收支账簿，申请示范家庭农场时要用。")
        page.select_option("#industry", "4")
        page.click("label[for=urgency-1]")
        page.fill("#budget", "1500")
        shot(page, "need-post")
        page.click("main form button[type=submit]")
        page.wait_for_load_state("networkidle")
        shot(page, "need-candidates")
        page.locator("[data-testid=candidate] button[type=submit]").first.click()
        page.wait_for_load_state("networkidle")
        shot(page, "need-invited")
        page.close()
        page = sign_in(browser, args.base, viewport=PHONE, username="fdy_liu")
        page.goto(args.base + "/needs/inbox")
        shot(page, "counselor-inbox")
        page.close()
        browser.close()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
