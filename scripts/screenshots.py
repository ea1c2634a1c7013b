"""Screenshots of the login page and each role's home page, at desktop and phone widths.

Run against a served platform with demo data (scripts/run):
    PYTHONPATH=. .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:5000] [--out docs/screenshots]
Uses Debian's Chromium (/usr/bin/chromium) through Playwright; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from marketplace.demo.services import DEMO_PASSWORD

PASSWORD = DEMO_PASSWORD
PAGES = [
    ("admin", "national", "/"),
    ("hebei", "province", "/"),
    ("shijiazhuang", "city", "/accounts/"),
    ("zhengding", "county", "/"),
    ("zhengding_town", "township", "/"),
    ("fdy_liu", "counselor", "/"),
    ("coop_zhengding", "operator", "/"),
    ("center_zhengding", "center_staff", "/"),
]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def sign_in(browser, base: str, username: str, viewport=DESKTOP):
    """A new page signed in as a demo user."""
    page = browser.new_page(viewport=viewport)
    page.goto(base + "/auth/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def shoot(page, out: Path, name: str) -> None:
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=out / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(200)
    page.screenshot(path=out / f"{name}-phone.png", full_page=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport=DESKTOP)
        for path, name in (("/auth/login", "login"), ("/auth/register", "register")):
            page.goto(args.base + path)
            page.wait_for_timeout(500)
            shoot(page, out, name)
        page.close()
        # One sign-in per account (sign-in is rate limited), both widths from the same session.
        for username, role, path in PAGES:
            page = browser.new_page(viewport=DESKTOP)
            page.goto(args.base + "/auth/login")
            page.fill("#username", username)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            page.goto(args.base + path)
            shoot(page, out, role)
            if username == "zhengding":  # an official's drop-down menu, open
                page.set_viewport_size(DESKTOP)
                page.click("nav .dropdown-toggle:has-text('辅导员')")
                page.wait_for_timeout(300)
                page.screenshot(path=out / "navigation-menu-desktop.png")
            if username == "hebei":
                for extra, name in (("/accounts/new", "create-account"), ("/audit/", "audit"),
                                    ("/inbox/", "inbox")):
                    page.set_viewport_size(DESKTOP)
                    page.goto(args.base + extra)
                    page.wait_for_timeout(800)
                    shoot(page, out, name)
            page.close()
        page = browser.new_page(viewport=DESKTOP)
        page.goto(args.base + "/api/v1/docs")
        page.wait_for_timeout(1500)
        page.screenshot(path=out / "api-docs-desktop.png")
        browser.close()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
