"""Screenshots of the public pages (home, directory with place pickers, catalogue with price history), the text
message settings and the coverage map (province 河北, city 石家庄, county 正定 without map), desktop and 390 px.

Run against a served platform with demo data (scripts/run):
    PYTHONPATH=. .venv/bin/python scripts/screenshots_public.py [--base http://127.0.0.1:5000] [--out docs/screenshots]
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

    def both(page, name: str, wait: int = 300) -> None:
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.wait_for_timeout(wait)
            page.screenshot(path=out / f"{name}-{label}.png", full_page=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport=DESKTOP)
        page.goto(args.base + "/")
        both(page, "public-home")
        page.goto(args.base + "/public/counselors")
        page.select_option("#province", "130000")  # re-submits: the cities appear
        page.wait_for_load_state("networkidle")
        page.select_option("#city", "130100")
        page.wait_for_load_state("networkidle")
        page.select_option("#county", "130123")
        page.wait_for_load_state("networkidle")
        both(page, "public-directory")
        page.goto(args.base + "/catalogue/?province=130000&city=130100")
        page.eval_on_selector_all("details[data-testid=price-history]", "els => els.forEach(e => e.open = true)")
        both(page, "public-catalogue")
        page.goto(args.base + "/lang/en?next=/catalogue/")
        page.eval_on_selector_all("details[data-testid=price-history]", "els => els.forEach(e => e.open = true)")
        both(page, "public-catalogue-en")
        page.goto(args.base + "/lang/zh_CN?next=/")
        page.close()

        page = sign_in(browser, args.base, "coop_zhengding")
        page.goto(args.base + "/inbox/settings")
        both(page, "sms-settings")
        page.close()

        for user, region, name in (("hebei", "130000", "map-province"), ("shijiazhuang", "130100", "map-city"),
                                   ("zhengding", "130123", "map-county")):
            page = sign_in(browser, args.base, user)
            page.goto(f"{args.base}/oversight/?region={region}")
            page.wait_for_load_state("networkidle")
            both(page, name, wait=1200)
            page.close()
        page = sign_in(browser, args.base, "hebei", PHONE)
        page.goto(args.base + "/oversight/?region=130000")
        page.wait_for_load_state("networkidle")
        page.select_option("#metric", "satisfaction")
        page.wait_for_timeout(1000)
        page.locator("[data-testid=coverage-map]").screenshot(path=out / "map-province-satisfaction-phone.png")
        page.close()
        browser.close()


if __name__ == "__main__":
    main()
