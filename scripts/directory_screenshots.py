"""Screenshots of the directory: the list, a record, the import page, an import in progress and one with
errors, and the record's certificate (certificate.png). Run against a served platform with demo data and a
worker (scripts/run):

    PYTHONPATH=. .venv/bin/python scripts/directory_screenshots.py [--base http://127.0.0.1:5000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pypdfium2
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.import_counselors import build_file
from marketplace.demo.services import DEMO_PASSWORD
from scripts.screenshots import DESKTOP, FLAGS, shoot

HEBEI_COUNTIES = ["130102", "130104", "130105", "130107", "130108", "130109", "130110", "130111", "130121",
                  "130123", "130125", "130126", "130127", "130128", "130129", "130130", "130131", "130132"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp())
    good = work / "辅导员名录.xlsx"
    good.write_bytes(build_file(20000, HEBEI_COUNTIES, seed=11))
    bad = work / "有错误的名录.xlsx"
    data = build_file(12, HEBEI_COUNTIES, seed=12)
    bad.write_bytes(_spoil(data))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport=DESKTOP)
        page.goto(args.base + "/auth/login")
        page.fill("#username", "hebei")
        page.fill("#password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.goto(args.base + "/directory/")
        shoot(page, out, "directory-list")
        page.set_viewport_size(DESKTOP)
        page.goto(args.base + "/directory/1")
        shoot(page, out, "directory-record")
        # the record's 聘任证书 (its QR code leads to this server's /verify/ page), page 1 rendered to PNG
        pdf = page.request.get(args.base + page.get_by_role("link", name="聘任证书").get_attribute("href")).body()
        pypdfium2.PdfDocument(pdf)[0].render(scale=2).to_pil().save(out / "certificate.png")
        page.set_viewport_size(DESKTOP)
        page.goto(args.base + "/directory/imports")
        shoot(page, out, "directory-import")
        for name, path, wait in (("directory-import-errors", bad, 4000), ("directory-import-progress", good, 6000)):
            page.set_viewport_size(DESKTOP)
            page.goto(args.base + "/directory/imports")
            page.set_input_files("input[type=file]", str(path))
            page.click("main form button[type=submit]")
            page.wait_for_timeout(wait)
            shoot(page, out, name)
        page.wait_for_timeout(15000)
        page.set_viewport_size(DESKTOP)
        page.screenshot(path=out / "directory-import-done-desktop.png", full_page=True)
        browser.close()
    print(f"screenshots in {out}")


def _spoil(data: bytes) -> bytes:
    """A copy of a valid file with a few typical mistakes."""
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    column = {h: i + 1 for i, h in enumerate(headers)}
    for header, row, value in (("身份证号码", 3, "110105194912310021"), ("手机号码", 4, "12345"),
                               ("所在地区", 5, "海淀区"), ("业务专长", 6, "种地")):
        if header in column:
            sheet.cell(row=row, column=column[header], value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


if __name__ == "__main__":
    main()
