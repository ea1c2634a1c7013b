"""Screenshots of the account's second factor: enrolment by QR code, the recovery codes, and the "两步验证" page
with re-enrolment, new recovery codes and turning it off; desktop and 390 px.

Run against a served platform (scripts/run) as an account without a second factor yet:
    PYTHONPATH=. .venv/bin/python scripts/screenshots_two_factor.py [--base http://127.0.0.1:5000] \
        [--username coop_zhengding] [--password ...] [--out docs/screenshots]
Uses Debian's Chromium (/usr/bin/chromium) through Playwright; nothing is downloaded.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pyotp
from playwright.sync_api import sync_playwright

from marketplace.demo.services import DEMO_PASSWORD
from scripts.screenshots import DESKTOP, FLAGS, shoot


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--username", default="coop_zhengding")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport=DESKTOP)
        page.goto(args.base + "/auth/login")
        page.fill("#username", args.username)
        page.fill("#password", args.password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(args.base + "/auth/two-factor/setup")
        shoot(page, out, "two-factor-enrol")
        secret = page.inner_text('[data-testid="totp-secret"]').strip()
        page.fill("#code", pyotp.TOTP(secret).now())
        page.click("#two-factor-setup button[type=submit]")
        page.wait_for_load_state("networkidle")
        shoot(page, out, "two-factor-recovery-codes")
        page.goto(args.base + "/auth/two-factor/setup")
        shoot(page, out, "two-factor-account")
        browser.close()


if __name__ == "__main__":
    main()
