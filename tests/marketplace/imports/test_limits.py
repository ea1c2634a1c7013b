"""Bounded reading of uploads (marketplace/imports/limits.py) and the formats offices use (.xlsx, .xls, .csv).

The hostile files of issue 13 are built here: a 14 KB xlsx with one cell at XFD1048576, a sheet that expands to
more than 1 GB, a whitespace bomb, sizes that lie; each is refused with a Chinese message, before the workbook
is read, and a process with a 1 GiB address-space limit reading them survives.
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
import xlwt

from marketplace.imports.limits import Limits, UploadTooLarge, inspect_xls, inspect_xlsx
from marketplace.imports.reader import ImportFileError, file_format, iter_raw_rows
from tests.marketplace.imports.test_generic import TOY

ROOT = Path(__file__).resolve().parents[3]
MB = 1024 * 1024


def workbook(rows: list[list], sheet=None) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    for values in rows:
        wb.active.append(values)
    return wb


def save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def raw_zip(path: Path, entries: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip written by hand from already-deflated entries (name, raw deflate, crc32, declared size), so a
    test can build a gigabyte-sized entry in a few hundred milliseconds, or declare a size that lies."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, crc, size in entries:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size,
                              len(encoded), 0) + encoded + data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size,
                                  len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central.getvalue()),
                          start, 0))
    path.write_bytes(out.getvalue())
    return path


def deflated(data: bytes) -> tuple[bytes, int, int]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)


def repeated(head: bytes, block: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """head + block × times + tail, deflated without deflating every copy: after a full flush the compressor
    emits the same bytes for the same block."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    one = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH) == one
    last = compressor.compress(tail) + compressor.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    return first + one * (times + 1) + last, crc, len(head) + len(block) * (times + 1) + len(tail)


def with_sheet(tmp_path: Path, name: str, sheet: tuple[bytes, int, int], lie: int | None = None) -> Path:
    """A real workbook (from openpyxl) whose first worksheet is replaced by `sheet`."""
    source = zipfile.ZipFile(io.BytesIO(_bytes(workbook([["名称"], ["甲"]]))))
    entries = []
    for info in source.infolist():
        if info.filename == "xl/worksheets/sheet1.xml":
            data, crc, size = sheet
            entries.append((info.filename, data, crc, lie if lie is not None else size))
        else:
            entries.append((info.filename, *deflated(source.read(info))))
    return raw_zip(tmp_path / name, entries)


def _bytes(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
              'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c>'
              '</row>').encode()
SHEET_TAIL = b"</sheetData></worksheet>"


# --- the hostile files --------------------------------------------------------------------------------------

def xfd_file(tmp_path: Path) -> Path:
    wb = workbook([["名称"], ["甲"]])
    wb.active["XFD1048576"] = "x"
    return save(wb, tmp_path / "xfd.xlsx")


def test_one_cell_at_xfd1048576_is_refused_before_reading(app, tmp_path):
    path = xfd_file(tmp_path)
    assert path.stat().st_size < 14 * 1024
    with pytest.raises(UploadTooLarge, match="XFD1048576") as refused:
        list(iter_raw_rows(path, TOY))
    assert "最多 60,000 行、100 列" in refused.value.message


def test_a_declared_dimension_beyond_the_limits_is_refused(app, tmp_path):
    sheet = SHEET_HEAD.replace(b"<sheetData>", b'<dimension ref="A1:ZZ70000"/><sheetData>') + SHEET_TAIL
    path = with_sheet(tmp_path, "dimension.xlsx", deflated(sheet))
    with pytest.raises(UploadTooLarge, match="ZZ70000"):
        list(iter_raw_rows(path, TOY))


def plain_rows(first: int, count: int) -> bytes:
    return b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c><c r="B%d"><v>1</v></c></row>'
                    % (n, n, n) for n in range(first, first + count))


@pytest.mark.parametrize(("far", "named"), [
    (b'<c r="A60001"><v>1</v></c>', "A60001"),  # one row past the limit, plainly written
    (b'<c r="A0060001"><v>1</v></c>', "A60001"),  # ... with leading zeros
    (b'<c r="CW7"><v>1</v></c>', "CW"),  # column 101 (named with the piece's last row)
    (b'<c r="$A$70000"><v>1</v></c>', "A70000"),  # not the plain form: the exact path
    (b'<x:c r="A70000"><v>1</v></x:c>', "A70000"),  # a prefixed tag
], ids=["row", "leading-zeros", "column", "dollars", "prefix"])
def test_a_cell_beyond_the_limits_deep_in_a_plain_sheet_is_found(app, tmp_path, far, named):
    """The usual sheet is passed piece by piece by one search for a reference that needs a closer look; one
    such cell among 50,000 plain ones, several megabytes in, is still found and named."""
    body = plain_rows(2, 30000) + b'<row r="30002">' + far + b"</row>" + plain_rows(30003, 20000)
    path = with_sheet(tmp_path, "far.xlsx", deflated(SHEET_HEAD + body + SHEET_TAIL))
    with pytest.raises(UploadTooLarge, match=named):
        inspect_xlsx(path, Limits())


def test_a_plain_sheet_at_the_limits_passes(app, tmp_path):
    body = plain_rows(2, 59999).replace(b'<c r="B60000">', b'<c r="CV60000">')  # row 60,000, column 100
    path = with_sheet(tmp_path, "edge.xlsx", deflated(
        SHEET_HEAD.replace(b"<sheetData>", b'<dimension ref="A1:CV60000"/><sheetData>') + body + SHEET_TAIL))
    inspect_xlsx(path, Limits())


def test_a_sheet_that_expands_beyond_1_gb_is_refused(app, tmp_path):
    row = '<row><c t="inlineStr"><is><t>某某合作社</t></is></c></row>'.encode() * 16384
    sheet = repeated(SHEET_HEAD, row, (1100 * MB) // len(row), SHEET_TAIL)
    assert sheet[2] > 1024 * MB
    path = with_sheet(tmp_path, "gigabyte.xlsx", sheet)
    assert path.stat().st_size < 20 * MB
    with pytest.raises(UploadTooLarge, match="文件解压后超过 200 MB"):
        list(iter_raw_rows(path, TOY))


def test_a_whitespace_bomb_is_refused_by_its_compression_ratio(app, tmp_path):
    sheet = repeated(SHEET_HEAD, b" " * MB, 150, SHEET_TAIL)
    path = with_sheet(tmp_path, "whitespace.xlsx", sheet)
    assert path.stat().st_size < 1 * MB
    with pytest.raises(UploadTooLarge, match="压缩比异常") as refused:
        list(iter_raw_rows(path, TOY))
    assert "xl/worksheets/sheet1.xml" in refused.value.message


def test_a_size_that_lies_is_caught_while_inflating(app, tmp_path):
    sheet = repeated(SHEET_HEAD, b" " * MB, 300, SHEET_TAIL)
    path = with_sheet(tmp_path, "liar.xlsx", sheet, lie=1000)  # declares 1,000 bytes: no ratio, no total
    with pytest.raises(ImportFileError, match=r"解压后超过|损坏"):
        inspect_xlsx(path, Limits())


def test_an_xls_with_a_cell_at_iv65536_is_refused(app, tmp_path):
    book = xlwt.Workbook()
    sheet = book.add_sheet("名录")
    sheet.write(0, 0, "名称")
    sheet.write(65535, 255, "x")
    path = tmp_path / "far.xls"
    book.save(str(path))
    assert path.stat().st_size < 10 * 1024
    with pytest.raises(UploadTooLarge, match="IV65536"):
        list(iter_raw_rows(path, TOY))


HOSTILE_READER = textwrap.dedent("""
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    from marketplace.imports.reader import iter_raw_rows
    from tests.marketplace.imports.test_generic import TOY
    for path in sys.argv[1:]:
        try:
            list(iter_raw_rows(path, TOY))
            print("read", path)
        except Exception as error:
            print("refused", type(error).__name__, getattr(error, "message", error))
    print("peak MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
""")


def test_a_memory_limited_process_survives_every_hostile_file(app, tmp_path):
    """Under a 1 GiB address-space limit (a worker's memory bound), each hostile file is refused clearly and
    the process carries on to the next one and exits normally."""
    book = xlwt.Workbook()
    book.add_sheet("名录").write(65535, 255, "x")
    book.save(str(tmp_path / "far.xls"))
    files = [xfd_file(tmp_path),
             with_sheet(tmp_path, "whitespace.xlsx", repeated(SHEET_HEAD, b" " * MB, 150, SHEET_TAIL)),
             with_sheet(tmp_path, "liar.xlsx", repeated(SHEET_HEAD, b" " * MB, 300, SHEET_TAIL), lie=1000),
             tmp_path / "far.xls"]
    done = subprocess.run([sys.executable, "-c", HOSTILE_READER, *map(str, files)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["refused"] * 4, done.stdout
    assert "XFD1048576" in lines[0] and "压缩比异常" in lines[1] and "IV65536" in lines[3]
    assert int(lines[-1].split()[-1]) < 1024


# --- formats offices use ------------------------------------------------------------------------------------

ROWS = [["名称", "数量"], ["甲社", "2"], ["乙社", "3"]]


def csv_file(tmp_path: Path, encoding: str, separator: str = ",") -> Path:
    path = tmp_path / f"{encoding}.csv"
    path.write_bytes("\r\n".join(separator.join(r) for r in ROWS).encode(encoding))
    return path


@pytest.mark.parametrize(("encoding", "separator"), [("utf-8", ","), ("utf-8-sig", ","), ("gbk", ","),
                                                     ("gb18030", ";"), ("utf-8", "\t")])
def test_csv_in_utf8_with_or_without_bom_and_gbk(app, tmp_path, encoding, separator):
    path = csv_file(tmp_path, encoding, separator)
    assert file_format(path.read_bytes()[:4096]) == "csv"
    rows = list(iter_raw_rows(path, TOY))
    assert [(r.row, r.values) for r in rows] == [(2, {"name": "甲社", "count": "2"}),
                                                 (3, {"name": "乙社", "count": "3"})]


def test_a_csv_over_the_row_limit_is_refused(app, tmp_path):
    app.config["IMPORT_MAX_ROWS"] = 10
    try:
        path = tmp_path / "long.csv"
        path.write_text("名称\n" + "甲\n" * 20, encoding="utf-8")
        with pytest.raises(UploadTooLarge, match="最多 10 行"):
            list(iter_raw_rows(path, TOY))
    finally:
        app.config["IMPORT_MAX_ROWS"] = 60_000


def test_an_xls_is_read(app, tmp_path):
    book = xlwt.Workbook()
    sheet = book.add_sheet("玩具")
    for r, values in enumerate([["清单"], *ROWS]):
        for c, value in enumerate(values):
            sheet.write(r, c, value)
    path = tmp_path / "office.xls"
    book.save(str(path))
    inspect_xls(path, Limits())
    rows = list(iter_raw_rows(path, TOY))
    assert [(r.row, r.values) for r in rows] == [(3, {"name": "甲社", "count": "2"}),
                                                 (4, {"name": "乙社", "count": "3"})]


def test_a_broken_xls_is_reported_as_damaged(app, tmp_path):
    path = tmp_path / "broken.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(ImportFileError, match="损坏"):
        list(iter_raw_rows(path, TOY))


# --- what the reader reports --------------------------------------------------------------------------------

def test_formula_cells_without_a_cached_value_are_reported_per_cell(app, tmp_path):
    wb = workbook([["名称", "数量"], ["甲社", 2], ["乙社", "=1+1"], [None, None], [None, "=A2"]])
    rows = list(iter_raw_rows(save(wb, tmp_path / "formulas.xlsx"), TOY))
    assert [(r.row, r.values.get("name"), sorted(r.problems)) for r in rows] == [
        (2, "甲社", []), (3, "乙社", ["count"]), (5, None, ["count"])]
    assert "公式没有计算结果" in rows[1].problems["count"]


class Required(type(TOY)):
    job_kind = "toy_required"
    columns = [*TOY.columns[:5], type(TOY.columns[0])("count", "数量", (), True, "int")]


def test_a_missing_required_column_is_reported_once_by_name(app, tmp_path):
    wb = workbook([["名称"], ["甲社"], ["乙社"]])
    with pytest.raises(ImportFileError) as refused:
        list(iter_raw_rows(save(wb, tmp_path / "missing.xlsx"), Required()))
    assert refused.value.message.count("“数量”") == 1 and "缺少必填列" in refused.value.message


def test_a_hostile_upload_fails_its_job_clearly_through_the_api(world, client, api_token, tmp_path):
    from marketplace.directory.models import Counselor
    from marketplace.extensions import db

    headers = api_token(world["county"])
    response = client.post("/api/v1/counselors/imports", headers=headers,
                           data={"file": (io.BytesIO(xfd_file(tmp_path).read_bytes()), "名录.xlsx")})
    assert response.status_code == 202
    job = client.get(f"/api/v1/jobs/{response.get_json()['job_id']}", headers=headers).get_json()
    assert job["state"] == "failed" and "XFD1048576" in job["errors"][0]["message"]
    assert "服务器内部错误" not in job["errors"][0]["message"]
    assert db.session.query(Counselor).count() == 0
