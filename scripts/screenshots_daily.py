"""Screenshots of the daily directory work (issue 15): a record's 服务主体类型和数量 group, the search by phone,
the counselor's own page with the yearly window (desktop and 390 px), the evaluation list with its export
button; and the print stylesheet checked by printing three pages to PDF with Chromium (page.pdf), each page
of the PDF rendered to PNG (pypdfium2) to look at.

Run against a served platform with demo data (scripts/run):
    PYTHONPATH=. .venv/bin/python scripts/screenshots_daily.py [--base http://127.0.0.1:5000] \
        [--out docs/screenshots]
Uses Debian's Chromium (/usr/bin/chromium) through Playwright; nothing is downloaded.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from scripts.screenshots import FLAGS, shoot, sign_in

PRINTED = [("zhengding", "/directory/", "directory"), ("shijiazhuang", "/evaluation/?year=2025", "evaluation"),
           ("shijiazhuang", "/oversight/", "oversight")]


def render(pdf: Path, out: Path, name: str) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf))
    for n, page in enumerate(document, start=1):
        page.render(scale=1.2).to_pil().save(out / f"print-{name}-p{n}.png")
    return len(document)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--pdf-dir", default="instance/print")
    args = parser.parse_args()
    out, pdf_dir = Path(args.out), Path(args.pdf_dir)
    out.mkdir(parents=True, exist_ok=True)
    pdf_dir.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = sign_in(browser, args.base, "zhengding")
        page.goto(args.base + "/directory/?q=139+6869+5681")  # fdy_liu's record (the demo is seeded)
        shoot(page, out, "daily-phone-search")
        page.click("table >> text=刘桂芳")
        page.wait_for_load_state("networkidle")
        shoot(page, out, "daily-record-served")
        page.close()
        page = sign_in(browser, args.base, "fdy_liu")
        page.goto(args.base + "/directory/me")
        shoot(page, out, "daily-own-window")
        page.close()
        page = sign_in(browser, args.base, "shijiazhuang")
        page.goto(args.base + "/evaluation/?year=2025")
        shoot(page, out, "daily-evaluation-export")
        page.close()
        for username, path, name in PRINTED:
            page = sign_in(browser, args.base, username)
            page.goto(args.base + path)
            page.wait_for_load_state("networkidle")
            pdf = pdf_dir / f"{name}.pdf"
            page.pdf(path=str(pdf), format="A4", print_background=False)
            print(name, render(pdf, out, name), "pages")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
