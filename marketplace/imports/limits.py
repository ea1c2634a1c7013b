"""Bounded reading of uploads: what an upload may expand to, checked before any cell is read.

An xlsx is a zip of XML. A small upload can expand to gigabytes (a "zip bomb", or a sheet padded with
whitespace), or declare one cell at XFD1048576, which makes a reader allocate the whole rectangle (16,384 ×
1,048,576 cells). ``inspect_xlsx`` therefore opens the zip itself and, before python-calamine sees the file:

- counts the entries and adds up their declared uncompressed sizes (``IMPORT_MAX_UNCOMPRESSED``);
- refuses an entry over 1 MB whose compression ratio exceeds ``IMPORT_MAX_RATIO``;
- streams every worksheet (1 MB at a time, counting the bytes really inflated, so a lying size does not
  help) and reads each ``<dimension ref>`` and every row and cell reference, keeping the largest;
  a sheet beyond ``IMPORT_MAX_ROWS`` rows or ``IMPORT_MAX_COLUMNS`` columns is refused;
- notes formula cells that carry no cached value (python-calamine would read them as empty), so the import
  reports each one instead of silently importing a blank.

What the worker then holds is bounded by these limits (see docs/imports.md for the measured figures). The
same row and column limits apply to .xls (checked on the loaded sheet, whose size the format itself caps
at 65,536 × 256) and .csv (checked while reading).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import gettext as _

from marketplace.errors import DomainError

CHUNK = 1024 * 1024
RATIO_CHECKED_FROM = 1024 * 1024  # small entries may compress very well (styles, empty sheets)
MAX_ENTRIES = 10_000

TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c|dimension|f)\b([^>]*)>")
REF_ATTR = re.compile(rb'\b(?:r|ref)="\$?([A-Z]{1,4})?\$?([0-9]{1,8})?(?::\$?([A-Z]{1,4})\$?([0-9]{1,8}))?"')
CELL_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?c>")
CELL_ROW = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\br="\$?[A-Z]{1,4}\$?([0-9]{1,8})"')
CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
# A cell as openpyxl, Excel and LibreOffice write it: no prefix, its reference first, no "$". The same pattern
# twice, one group each: lists of bytes, not of tuples (600,000 tuples would wake the garbage collector).
PLAIN_ROWS = re.compile(rb'<c r="[A-Z]{1,4}([0-9]{1,8})"')
PLAIN_COLUMNS = re.compile(rb'<c r="([A-Z]{1,4})[0-9]{1,8}"')
DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\b([^>]*)>")
PLAIN_REF = re.compile(rb'<c r="([A-Z]{1,4})([0-9]{1,8})"')
CELL_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:c|row)[\s>/]")
VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v>\s*[^<\s]")


class ImportFileError(DomainError):
    """The uploaded file itself is unusable (not a workbook, empty, corrupt, no known headers, too large)."""


class UploadTooLarge(ImportFileError):
    """The upload would expand beyond the limits (refused before reading)."""


@dataclass(frozen=True)
class Limits:
    max_uncompressed: int = 200 * 1024 * 1024
    max_ratio: int = 100
    max_rows: int = 60_000
    max_columns: int = 100

    @classmethod
    def current(cls) -> Limits:
        if not has_app_context():
            return cls()
        config = current_app.config
        return cls(config["IMPORT_MAX_UNCOMPRESSED"], config["IMPORT_MAX_RATIO"], config["IMPORT_MAX_ROWS"],
                   config["IMPORT_MAX_COLUMNS"])


@dataclass
class XlsxFacts:
    """What the inspection learnt: per worksheet entry, formula cells without a cached value (row, column
    index from 0)."""

    uncached_formulas: dict[str, set[tuple[int, int]]] = field(default_factory=dict)


def column_number(letters: bytes | str) -> int:
    """A1 column letters → 1-based number (A → 1, XFD → 16384)."""
    number = 0
    for char in letters.decode() if isinstance(letters, bytes) else letters:
        number = number * 26 + (ord(char) - 64)
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def greater_than(number: int) -> str:
    """A regex alternation matching the decimal integers (without leading zeros) greater than `number`."""
    digits = str(number)
    options = [f"[1-9][0-9]{{{len(digits)},}}"]
    for n, digit in enumerate(digits):
        if digit != "9":
            low = int(digit) + 1
            options.append(f"{digits[:n]}[{low}-9][0-9]{{{len(digits) - n - 1}}}")
    return "|".join(options)


def too_big(limits: Limits, cell: str) -> UploadTooLarge:
    return UploadTooLarge(_("表格的数据区域过大（用到了单元格 %(cell)s）：每个工作表最多 %(rows)s 行、%(cols)s 列。"
                            "请删除多余的行和列（或把数据复制到新的工作簿）后重新上传",
                            cell=cell, rows=f"{limits.max_rows:,}", cols=limits.max_columns))


def expands_too_much(mb: int) -> UploadTooLarge:
    return UploadTooLarge(_("文件解压后超过 %(mb)s MB，不能导入。请删除多余的工作表、图片和格式后重新上传", mb=mb))


def inspect_xlsx(path: str | Path, limits: Limits | None = None) -> XlsxFacts:
    """Check the zip's entries and every worksheet's extent before the workbook is read; raise
    UploadTooLarge (or ImportFileError for a broken zip) with a Chinese message."""
    limits = limits or Limits.current()
    mb = limits.max_uncompressed // (1024 * 1024)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ImportFileError(_("文件已损坏或不是有效的 xlsx 工作簿，无法读取")) from error
    facts = XlsxFacts()
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise UploadTooLarge(_("文件包含的部件过多，不像正常的 Excel 工作簿，不能导入"))
        if sum(e.file_size for e in entries) > limits.max_uncompressed:
            raise expands_too_much(mb)
        for entry in entries:
            ratio = entry.file_size // max(entry.compress_size, 1)
            if entry.file_size >= RATIO_CHECKED_FROM and ratio > limits.max_ratio:
                raise UploadTooLarge(_("文件的压缩比异常（%(name)s 解压后是压缩时的 %(ratio)s 倍），不像正常的 Excel "
                                       "工作簿，不能导入", name=entry.filename, ratio=ratio))
        inflated = 0
        try:
            for entry in entries:
                if entry.is_dir():
                    continue
                worksheet = entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml")
                inflated = _scan(archive, entry, limits, facts, inflated, worksheet)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, NotImplementedError) as error:
            raise ImportFileError(_("文件已损坏或不是有效的 xlsx 工作簿，无法读取")) from error
    return facts


def _scan(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limits: Limits, facts: XlsxFacts, inflated: int,
          worksheet: bool) -> int:
    """Inflate one entry in chunks (counting what it really expands to); for a worksheet, follow its row and
    cell references and note formulas without a cached value."""
    mb = limits.max_uncompressed // (1024 * 1024)
    sheet = _SheetScan(limits)
    tail = b""
    with archive.open(entry) as stream:
        while chunk := stream.read(CHUNK):
            inflated += len(chunk)
            if inflated > limits.max_uncompressed:
                raise expands_too_much(mb)
            if not worksheet:
                continue
            data = tail + chunk
            # Keep the last cell (or row) start and what follows for the next chunk, so no cell is split.
            starts = list(CELL_START.finditer(data, max(0, len(data) - 65536)))
            cut = starts[-1].start() if starts else data.rfind(b"<")
            data, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
            if len(tail) > 2 * CHUNK:  # a cell that never closes: not XML we can read
                raise ImportFileError(_("文件已损坏或不是有效的 xlsx 工作簿，无法读取"))
            sheet.feed(data)
    if tail:
        sheet.feed(tail)
    if sheet.uncached:
        facts.uncached_formulas[entry.filename] = sheet.uncached
    return inflated


class _SheetScan:
    """The running position (row, column) through a worksheet's XML, its extent and its uncached formulas."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.row = self.col = self.max_row = self.max_col = 0
        self.uncached: set[tuple[int, int]] = set()
        self.limit_letters = column_letters(limits.max_columns)
        width = len(self.limit_letters)
        # Any cell reference the quick path cannot pass: not plain, as many column letters as the limit's (or
        # more), or a row beyond the limit. One search of a piece finds none in the usual file.
        self.suspect = re.compile(rb'<c r="(?:(?![A-Z]{1,4}[0-9]{1,8}")|[A-Z]{%d}|[A-Z]{1,4}0*(?:%s)")'
                                  % (width, greater_than(limits.max_rows).encode()))
        self.wider = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\br="\$?([A-Z]{%d,})\$?[0-9]' % (width + 1))
        self.as_wide = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\br="\$?([A-Z]{%d})\$?[0-9]' % width)

    def feed(self, data: bytes) -> None:
        """Follow one piece of the sheet (whole cells only). The usual sheet (every cell with its reference, no
        formulas) takes the quick path (no reference beyond the limits, found by one search) or the fast one
        (the references collected by the regex engine, not tag by tag)."""
        if b"<f" not in data:
            if b"<dimension" in data:
                self._dimensions(data)
            if self._quick(data):
                return
            cells = len(CELL_TAG.findall(data))
            rows = PLAIN_ROWS.findall(data)
            if len(rows) == cells:  # every cell tag is a plain one (each plain cell is a cell tag)
                self._plain(rows, PLAIN_COLUMNS.findall(data))
                return
            rows = CELL_ROW.findall(data)
            if len(rows) == cells:
                self._fast(data, rows)
                return
        self._feed_tags(data)

    def _dimensions(self, data: bytes) -> None:
        """The declared extent (`<dimension ref="A1:R30001"/>`), as `_feed_tags` checks it."""
        limits = self.limits
        for match in DIMENSION.finditer(data):
            ref = REF_ATTR.search(match.group(1))
            if ref:
                last_col, last_row = ref.group(3) or ref.group(1), ref.group(4) or ref.group(2)
                if last_col and last_row and (column_number(last_col) > limits.max_columns
                                              or int(last_row) > limits.max_rows):
                    raise too_big(limits, f"{last_col.decode()}{last_row.decode()}")

    def _quick(self, data: bytes) -> bool:
        """Every tag starting with "<c" is a cell written `<c r="B12"` (no prefixed tags), and no reference
        needs a closer look (`suspect`): then no cell of the piece is beyond the limits, which is all the
        inspection needs; the position moves to the piece's last cell. Otherwise False: the exact paths
        follow, and name the cell too far out."""
        plain = data.count(b'<c r="')
        if b":c" in data or (data.count(b"<c") != plain and len(CELL_TAG.findall(data)) != plain) \
                or self.suspect.search(data):
            return False
        last = data.rfind(b'<c r="')
        if last >= 0:
            self.row, self.col = int(PLAIN_REF.match(data, last).group(2)), 0
            self.max_row = max(self.max_row, self.row)
        return True

    def _plain(self, rows: list[bytes], letters: list[bytes]) -> None:
        """Every cell is written `<c r="B12"`: the largest row and column straight from the references."""
        if not rows:
            return
        self.max_row = max(self.max_row, max(map(int, rows)))
        self.row, self.col = int(rows[-1]), 0
        self.max_col = max(self.max_col, max(map(column_number, set(letters))))
        self._check_extent()

    def _fast(self, data: bytes, rows: list[bytes]) -> None:
        """Every cell has its reference: the largest row by the regex engine and int(), the columns by looking
        only for references with as many letters as the limit's column, or more (rare in real files)."""
        if rows:
            self.max_row = max(self.max_row, max(map(int, rows)))
            self.row, self.col = int(rows[-1]), 0
        wide = self.wider.search(data)
        letters = {column_number(found) for found in self.as_wide.findall(data)}
        if wide is not None:
            letters.add(column_number(wide.group(1)))
        if letters:
            self.max_col = max(self.max_col, *letters)
        self._check_extent()

    def _check_extent(self) -> None:
        limits = self.limits
        if self.max_col > limits.max_columns or self.max_row > limits.max_rows:
            raise too_big(limits, f"{column_letters(self.max_col) if self.max_col > limits.max_columns else 'A'}"
                                  f"{self.max_row}")

    def _feed_tags(self, data: bytes) -> None:
        limits = self.limits
        for match in TAG.finditer(data):
            name, attrs = match.group(1), match.group(2)
            ref = REF_ATTR.search(attrs)
            if name == b"c":
                self.col = column_number(ref.group(1)) if ref and ref.group(1) else self.col + 1
                if ref and ref.group(2):
                    self.row = int(ref.group(2))
                self.max_col, self.max_row = max(self.max_col, self.col), max(self.max_row, self.row)
                if self.max_col > limits.max_columns or self.max_row > limits.max_rows:
                    raise too_big(limits, f"{column_letters(self.max_col)}{self.max_row}")
            elif name == b"row":
                self.row = int(ref.group(2)) if ref and ref.group(2) else self.row + 1
                self.col = 0
                if self.row > limits.max_rows:
                    raise too_big(limits, f"A{self.row}")
            elif name == b"dimension" and ref:
                last_col, last_row = ref.group(3) or ref.group(1), ref.group(4) or ref.group(2)
                if last_col and last_row and (column_number(last_col) > limits.max_columns
                                              or int(last_row) > limits.max_rows):
                    raise too_big(limits, f"{last_col.decode()}{last_row.decode()}")
            elif name == b"f":
                end = CELL_END.search(data, match.end())
                if end is None or not VALUE.search(data, match.end(), end.start()):
                    self.uncached.add((self.row - 1, self.col - 1))


# BIFF records that place one cell at (row, column): FORMULA, LABELSST, NUMBER, RK, BLANK, BOOLERR, LABEL, RSTRING
CELL_RECORDS = {0x0006, 0x0406, 0x00FD, 0x0203, 0x027E, 0x0201, 0x0205, 0x0204, 0x00D6}
MULTI_RECORDS = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column, …, last column
ROW_RECORD, DIMENSIONS_RECORD = 0x0208, 0x0200


def inspect_xls(path: str | Path, limits: Limits | None = None) -> None:
    """The same row and column limits for an old .xls (BIFF in an OLE2 file), from its cell records, before
    python-calamine allocates the sheet's rectangle (one cell at IV65536 would make it 16.7 million cells)."""
    import struct

    import olefile

    limits = limits or Limits.current()
    corrupt = ImportFileError(_("文件已损坏或不是有效的 Excel 工作簿，无法读取"))
    try:
        with olefile.OleFileIO(str(path)) as ole:
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            if name is None:
                raise corrupt
            if ole.get_size(name) > limits.max_uncompressed:
                raise expands_too_much(limits.max_uncompressed // (1024 * 1024))
            data = ole.openstream(name).read()
    except ImportFileError:
        raise
    except Exception as error:  # olefile raises OSError and its own errors for broken containers
        raise corrupt from error
    offset, size = 0, len(data)
    max_row = max_col = 0
    while offset + 4 <= size:
        kind, length = struct.unpack_from("<HH", data, offset)
        body = offset + 4
        if body + length > size:
            break
        if kind in CELL_RECORDS and length >= 4:
            row, col = struct.unpack_from("<HH", data, body)
        elif kind in MULTI_RECORDS and length >= 6:
            row, = struct.unpack_from("<H", data, body)
            col, = struct.unpack_from("<H", data, body + length - 2)
        elif kind == ROW_RECORD and length >= 6:
            row, _first, col = struct.unpack_from("<HHH", data, body)
            col = max(col - 1, 0)
        elif kind == DIMENSIONS_RECORD and length >= 12:
            _r0, row, _c0, col = struct.unpack_from("<IIHH", data, body)
            row, col = max(row - 1, 0), max(col - 1, 0)
        else:
            offset = body + length
            continue
        max_row, max_col = max(max_row, row + 1), max(max_col, col + 1)
        if max_row > limits.max_rows or max_col > limits.max_columns:
            raise too_big(limits, f"{column_letters(max_col)}{max_row}")
        offset = body + length
