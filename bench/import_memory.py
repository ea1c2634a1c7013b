"""Benchmark: what reading an upload costs in memory and time, at the import limits (marketplace/imports/limits.py).

    .venv/bin/python bench/import_memory.py

Builds, in a temporary folder, (1) a realistic counselor file of IMPORT_MAX_ROWS rows × the template's 18
columns, text cells as Excel writes them (shared strings), and (2) the worst file the limits accept: every cell
of IMPORT_MAX_ROWS × IMPORT_MAX_COLUMNS filled with a distinct number. Each is read in a fresh process (the
limits' inspection, then python-calamine, every row turned into a RawRow as the import does) and the process's
peak resident memory (ru_maxrss) and wall time are printed. No database is needed.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

READ = textwrap.dedent("""
    import resource, sys, time
    from marketplace.directory.imports import KIND
    from marketplace.imports import reader
    from marketplace.imports.reader import iter_raw_rows
    reader.DEFAULT_MAX_BYTES = 1 << 30  # an upper bound: the worst file is bigger than an upload may be
    start = time.perf_counter()
    count = sum(1 for _ in iter_raw_rows(sys.argv[1], KIND))
    print(count, round(time.perf_counter() - start, 1), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
""")


def realistic(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    from marketplace.directory.imports import COLUMNS

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("辅导员名录")
    sheet.append([c.header for c in COLUMNS])
    for n in range(rows):
        sheet.append([f"导入{n}", f"13012319800101{n % 10000:04d}", f"139{n:08d}", "130123100", "",
                      "组织建设、财务会计", "粮油作物", "兼职", "乡土专家", "2024-03-01", "", "群众", "大学专科",
                      "农艺师", f"某某合作社{n % 500}", "理事长", "否", 5])
    wb.save(path)


def worst(path: Path, rows: int, columns: int) -> None:
    from marketplace.directory.imports import COLUMNS
    from marketplace.imports.limits import column_letters

    letters = [column_letters(c) for c in range(1, columns + 1)]
    header = "".join(f'<c r="{letters[i]}1" t="inlineStr"><is><t>{c.header}</t></is></c>'
                     for i, c in enumerate(COLUMNS))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
            'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        archive.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><sheets><sheet name="辅导员名录" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main"><sheetData><row r="1">' + header.encode() + b"</row>")
            for r in range(2, rows + 1):
                # numbers of up to 7 digits that compress about as well as real data (under 20 MB uploaded)
                cells = "".join(f'<c r="{letters[c]}{r}"><v>{(r * 7919 + c * 104729) % 9_999_991}</v></c>'
                                for c in range(columns))
                sheet.write(f'<row r="{r}">{cells}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")


def measure(label: str, path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", READ, str(path)], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        print(label, "failed:", done.stderr[-500:])
        return
    rows, seconds, peak = done.stdout.split()
    print(f"{label}: {path.stat().st_size / 1e6:.1f} MB file, {rows} rows read in {seconds} s, peak {peak} MB")


def main() -> None:
    import argparse

    from marketplace.imports.limits import Limits

    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["realistic", "worst"])
    only = parser.parse_args().only
    limits = Limits()
    with tempfile.TemporaryDirectory() as folder:
        if only != "worst":
            measure_realistic(folder, limits)
        if only != "realistic":
            measure_worst(folder, limits)


def measure_realistic(folder: str, limits) -> None:
    start = time.perf_counter()
    path = Path(folder) / "realistic.xlsx"
    realistic(path, limits.max_rows - 1)
    print(f"built realistic file in {time.perf_counter() - start:.0f} s")
    measure(f"realistic {limits.max_rows - 1} rows x 18 columns", path)
    path.unlink()


def measure_worst(folder: str, limits) -> None:
    path = Path(folder) / "worst.xlsx"
    worst(path, limits.max_rows, limits.max_columns)
    with zipfile.ZipFile(path) as archive:
        inflated = sum(i.file_size for i in archive.infolist())
    print(f"worst file expands to {inflated / 1e6:.0f} MB")
    measure(f"worst accepted {limits.max_rows} rows x {limits.max_columns} columns", path)


if __name__ == "__main__":
    main()
