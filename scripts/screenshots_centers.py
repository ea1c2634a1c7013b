"""Screenshots of service centers at desktop and phone widths: the public price list, an operator's catalogue,
the center's own page (filed) and a submitted filing under review by the city department.

Run against a served platform freshly seeded with the demo (center 1 filed for center_zhengding, center 2
submitted by center_baoding):
    PYTHONPATH=. .venv/bin/python scripts/screenshots_centers.py [--base http://127.0.0.1:5000] [--out docs/screenshots]
Uses Debian's Chromium (/usr/bin/chromium) through Playwright; nothing is downloaded.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from marketplace.demo.services import DEMO_PASSWORD
from scripts.screenshots import DESKTOP, FLAGS, shoot

SHOTS = [  # (who, path, name); None signs in nobody
    (None, "/catalogue/1", "center-price-list"),
    ("coop_zhengding", "/catalogue/", "center-catalogue"),
    ("center_zhengding", "/centers/1", "center-filing"),
    ("baoding", "/centers/2", "center-review"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        for username, path, name in SHOTS:
            page = browser.new_page(viewport=DESKTOP)
            if username is not None:
                page.goto(args.base + "/auth/login")
                page.fill("#username", username)
                page.fill("#password", DEMO_PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
            page.goto(args.base + path)
            page.wait_for_load_state("networkidle")
            shoot(page, out, name)
            page.close()
        browser.close()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
