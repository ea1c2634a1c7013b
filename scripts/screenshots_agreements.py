"""Screenshots of service agreements on the demo data: the entity signing (with the content hash), the
provider's service-record list with its chain badge, item-by-item acceptance, the officials' oversight list,
and the agreement PDF rendered to PNG (pypdfium2).

Run against a served platform freshly seeded with the demo (agreement 1 submitted, 3 signed by the center):
    PYTHONPATH=. .venv/bin/python scripts/screenshots_agreements.py [--base http://127.0.0.1:5000]
Uses Debian's Chromium (/usr/bin/chromium) through Playwright; nothing is downloaded.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pypdfium2
from playwright.sync_api import sync_playwright

from scripts.screenshots import FLAGS, PHONE, sign_in


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args()
    out, base = Path(args.out), args.base
    out.mkdir(parents=True, exist_ok=True)

    def shot(page, name: str) -> None:
        page.wait_for_timeout(300)
        page.screenshot(path=out / f"agreement-{name}.png", full_page=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = sign_in(browser, base, "coop_zhengding")
        page.goto(base + "/agreements/3")
        page.wait_for_load_state("networkidle")
        shot(page, "sign")
        page.click("button[data-action=sign]")
        page.wait_for_load_state("networkidle")
        shot(page, "signed")
        pdf = page.request.get(base + "/agreements/3/agreement.pdf").body()
        document = pypdfium2.PdfDocument(pdf)
        document[0].render(scale=2).to_pil().save(out / "agreement-pdf.png")
        page.close()

        page = sign_in(browser, base, "fdy_liu", PHONE)
        page.goto(base + "/agreements/1/records")
        page.wait_for_load_state("networkidle")
        shot(page, "records")
        page.close()

        page = sign_in(browser, base, "coop_zhengding", PHONE)
        page.goto(base + "/agreements/1/acceptance")
        page.wait_for_load_state("networkidle")
        items = page.locator("[data-testid=acceptance-item]")
        for n in range(items.count()):
            items.nth(n).locator("input[value=passed]").check()
        items.nth(0).locator("input[type=text], input:not([type])").first.fill("账簿和成员账户已建立，核对无误")
        page.check("input[name=satisfaction][value='5']")
        page.fill("textarea[name=comment]", "刘老师讲解细致，账务已经规范起来了")
        shot(page, "acceptance")
        page.click("main form button[type=submit]")
        page.wait_for_load_state("networkidle")
        shot(page, "accepted")
        page.close()

        page = sign_in(browser, base, "zhengding")
        page.goto(base + "/agreements/")
        page.wait_for_load_state("networkidle")
        shot(page, "oversight")
        browser.close()


if __name__ == "__main__":
    main()
