"""Reading uploaded workbooks tolerantly, collecting row errors, and writing the error report."""

from __future__ import annotations

import csv
import io
import logging
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _

from marketplace.imports.limits import (
    ImportFileError,
    Limits,
    XlsxFacts,
    column_letters,
    inspect_xls,
    inspect_xlsx,
    too_big,
)
from marketplace.imports.spec import EXAMPLE_MARK, INSTRUCTIONS_SHEET, LISTS_SHEET, ImportKind, header_key, norm

log = logging.getLogger(__name__)

HEADER_SCAN_ROWS = 10
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SNIFF_BYTES = 4096
DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # the config's IMPORT_MAX_BYTES, for use without an app


@dataclass
class RawRow:
    row: int  # the row number shown in Excel
    values: dict[str, Any]
    problems: dict[str, str] = field(default_factory=dict)  # column key → why the cell cannot be read


@dataclass
class Outcome:
    """What an import found (and, when it wrote, what it did)."""

    total: int = 0
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def error(self, row: int | None, column: str | None, message: str) -> None:
        self.errors.append({"row": row, "column": column, "message": str(message)})

    @property
    def summary(self) -> dict:
        return {"total": self.total, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "warnings": self.warnings[:200]}


def file_format(head: bytes) -> str | None:
    """"xlsx", "xls" or "csv" from the first bytes (the name of an upload is not trusted); None otherwise."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(OLE_SIGNATURE):
        return "xls"
    if b"\0" in head:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as error:
            if error.start < len(head) - 4:  # not just a character cut at the end of the sniffed bytes
                continue
        return "csv"
    return None


def check_upload(head: bytes, size: int) -> str:
    """Cheap checks before a file is accepted: size, empty, a known format (xlsx, xls or csv); its format."""
    limit = current_app.config["IMPORT_MAX_BYTES"] if has_app_context() else DEFAULT_MAX_BYTES
    if size > limit:
        raise ImportFileError(_("文件太大：不能超过 %(mb)s MB", mb=limit // (1024 * 1024)))
    if size == 0:
        raise ImportFileError(_("文件是空的"))
    kind = file_format(head)
    if kind is None:
        raise ImportFileError(_("文件不是 Excel 工作簿（xlsx、xls）或 CSV 文件，请使用下载的模板填写"))
    return kind


def iter_raw_rows(path: str | Path, kind: ImportKind) -> Iterator[RawRow]:
    """Rows of the first sheet with known headers, keyed by column key; blank rows and the example skipped.
    The file's extent is checked before it is read (limits.py); a missing required column is refused once."""
    path = Path(path)
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    fmt = check_upload(head, size)
    limits = Limits.current()
    if fmt == "csv":
        yield from _rows(_csv_rows(path, limits), kind, {})
        return
    facts = inspect_xlsx(path, limits) if fmt == "xlsx" else inspect_xls(path, limits)
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own zip / xml errors, and ValueError for non-workbooks
        log.info("unreadable workbook %s: %s", path.name, error)
        raise ImportFileError(_("文件已损坏或不是有效的 Excel 工作簿，无法读取")) from error
    try:
        sheet_names = workbook.sheet_names
        order = [kind.data_sheet] if kind.data_sheet in sheet_names else []
        order += [n for n in sheet_names if n not in order and n not in (INSTRUCTIONS_SHEET, LISTS_SHEET)]
        for name in order:
            try:
                sheet = workbook.get_sheet_by_name(name)
                if sheet.height > limits.max_rows or sheet.width > limits.max_columns:
                    raise too_big(limits, f"{column_letters(sheet.width)}{sheet.height}")
                rows = sheet.iter_rows()
                header_at, mapping = _find_header(rows, kind)
            except ImportFileError:
                raise
            except Exception as error:
                raise ImportFileError(_("文件已损坏或不是有效的 Excel 工作簿，无法读取")) from error
            if mapping is None:
                continue
            _check_required(kind, mapping)
            # python-calamine pads rows from the sheet's first row but starts columns at the first used one.
            offset = (0, (sheet.start or (0, 0))[1])
            uncached = _uncached(facts, sheet_names.index(name), offset)
            yield from _rows_after_header(header_at, mapping, rows, kind.example_key, uncached)
            return
        raise _no_header(kind)
    finally:
        workbook.close()


def _no_header(kind: ImportKind) -> ImportFileError:
    expected = "".join(f"“{kind.by_key[k].header}”" for k in kind.key_columns)
    return ImportFileError(_("没有找到可识别的表头：第一行应包含%(columns)s等列，请使用下载的模板", columns=expected))


def _check_required(kind: ImportKind, mapping: dict[int, str]) -> None:
    """A required column missing from the header is one error for the file, naming it (not one per row)."""
    missing = [c.header for c in kind.columns if c.required and c.key not in mapping.values()]
    if missing:
        raise ImportFileError(_("表头缺少必填列：%(columns)s。请按下载的模板补上这些列后重新上传",
                                columns="、".join(f"“{m}”" for m in missing)))


def _uncached(facts: XlsxFacts | None, index: int, offset: tuple[int, int]) -> set[tuple[int, int]]:
    """Formula cells without a cached value of the sheet at `index`, relative to the sheet's first cell."""
    if facts is None or not facts.uncached_formulas:
        return set()
    # Worksheets are stored as xl/worksheets/sheet<N>.xml in workbook order by every writer we know; a file
    # that names them otherwise still has each formula cell reported if its name matches.
    cells = facts.uncached_formulas.get(f"xl/worksheets/sheet{index + 1}.xml")
    if cells is None and len(facts.uncached_formulas) == 1:
        cells = next(iter(facts.uncached_formulas.values()))
    return {(r - offset[0], c - offset[1]) for r, c in (cells or set())}


def _rows(source: Iterator[list], kind: ImportKind, uncached) -> Iterator[RawRow]:
    header_at, mapping = _find_header(source, kind)
    if mapping is None:
        raise _no_header(kind)
    _check_required(kind, mapping)
    yield from _rows_after_header(header_at, mapping, source, kind.example_key, uncached)


def _csv_rows(path: Path, limits: Limits) -> Iterator[list]:
    """A CSV's rows as lists of text: UTF-8 (with or without BOM) or GBK / GB18030, as Excel saves them in
    China; comma, semicolon or tab separated."""
    data = path.read_bytes()  # at most IMPORT_MAX_BYTES (checked before)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text_ = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("无法识别 CSV 文件的编码，请另存为“CSV UTF-8”或 GBK 编码后重新上传"))
    del data
    sample = text_[:SNIFF_BYTES]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text_, newline=""), dialect)
    try:
        for number, values in enumerate(reader, start=1):
            if number > limits.max_rows or len(values) > limits.max_columns:
                raise too_big(limits, f"{column_letters(max(len(values), 1))}{number}")
            yield values
    except csv.Error as error:
        raise ImportFileError(_("CSV 文件第 %(row)s 行无法读取：%(reason)s", row=reader.line_num,
                                reason=str(error))) from error


def _find_header(rows: Iterator[list], kind: ImportKind) -> tuple[int, dict[int, str] | None]:
    for index, values in enumerate(rows):
        mapping: dict[int, str] = {}
        for col, value in enumerate(values):
            key = kind.header_index.get(header_key(value)) if value not in (None, "") else None
            if key and key not in mapping.values():
                mapping[col] = key
        if all(k in mapping.values() for k in kind.key_columns):
            return index, mapping
        if index + 1 >= HEADER_SCAN_ROWS:
            break
    return 0, None


def _rows_after_header(header_at: int, mapping: dict[int, str], rows: Iterable[list], example_key: str,
                       uncached: set[tuple[int, int]] = frozenset()) -> Iterator[RawRow]:
    formula = _("公式没有计算结果（文件可能不是由 Excel 保存的）：请在 Excel 中打开并保存，或把公式改为数值后重新上传")
    index = header_at
    keys, columns = tuple(mapping.values()), tuple(mapping)
    # A row as long as the header's last mapped column (python-calamine pads every row to the sheet's width):
    # its cells taken in one call; a shorter one (csv) cell by cell
    width, take = max(columns) + 1, operator.itemgetter(*columns) if len(columns) > 1 else None
    for index, values in enumerate(rows, start=header_at + 1):  # 0-based; Excel shows index + 1
        if take is not None and len(values) >= width:
            record_ = dict(zip(keys, take(values), strict=True))
        else:
            record_ = {key: values[col] if col < len(values) else None for col, key in mapping.items()}
        problems = {key: formula for col, key in mapping.items() if (index, col) in uncached} if uncached else {}
        if not problems and all(v is None or (isinstance(v, str) and not v.strip()) for v in record_.values()):
            continue
        if isinstance(record_.get(example_key), str) and norm(record_[example_key]).startswith(EXAMPLE_MARK):
            continue
        yield RawRow(index + 1, record_, problems)
    # A formula without a value leaves no cell for the reader: rows holding only such cells come last.
    beyond: dict[int, dict[str, str]] = {}
    for row, col in sorted(uncached):
        if row > index and col in mapping:
            beyond.setdefault(row, {})[mapping[col]] = formula
    for row, problems in beyond.items():
        yield RawRow(row + 1, dict.fromkeys(mapping.values()), problems)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any, sheet=None):
    """Text that a spreadsheet would run as a formula is written as an explicit string cell."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and sheet is not None:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def error_report(errors: list[dict]) -> bytes:
    """Errors as an xlsx (行, 列, 错误原因)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(_("错误清单"))
    sheet.append([_("行"), _("列"), _("错误原因")])
    for error in errors or []:
        sheet.append([error.get("row"), safe_cell(error.get("column") or ""), safe_cell(error.get("message") or "")])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
