"""Reading uploaded workbooks tolerantly, collecting row errors, and writing the error report."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from marketplace.errors import DomainError
from marketplace.imports.spec import EXAMPLE_MARK, INSTRUCTIONS_SHEET, LISTS_SHEET, ImportKind, header_key, norm

log = logging.getLogger(__name__)

HEADER_SCAN_ROWS = 10


class ImportFileError(DomainError):
    """The uploaded file itself is unusable (not xlsx, empty, corrupt, no known headers, too large)."""


@dataclass
class RawRow:
    row: int  # the row number shown in Excel
    values: dict[str, Any]


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


def check_upload(head: bytes, size: int) -> None:
    """Cheap checks before a file is accepted: size, empty, the xlsx (zip) signature."""
    limit = current_app.config["IMPORT_MAX_BYTES"]
    if size > limit:
        raise ImportFileError(_("文件太大：不能超过 %(mb)s MB", mb=limit // (1024 * 1024)))
    if size == 0:
        raise ImportFileError(_("文件是空的"))
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后上传"))
    if not head.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("文件不是 xlsx 格式的 Excel 工作簿，请使用下载的模板填写"))


def iter_raw_rows(path: str | Path, kind: ImportKind) -> Iterator[RawRow]:
    """Rows of the first sheet with known headers, keyed by column key; blank rows and the example skipped."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(8)
    check_upload(head, size)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own zip / xml errors, and ValueError for non-workbooks
        log.info("unreadable workbook %s: %s", path.name, error)
        raise ImportFileError(_("文件已损坏或不是有效的 xlsx 工作簿，无法读取")) from error
    try:
        sheet_names = workbook.sheet_names
        order = [kind.data_sheet] if kind.data_sheet in sheet_names else []
        order += [n for n in sheet_names if n not in order and n not in (INSTRUCTIONS_SHEET, LISTS_SHEET)]
        for name in order:
            try:
                rows = workbook.get_sheet_by_name(name).iter_rows()
                header_at, mapping = _find_header(rows, kind)
            except Exception as error:
                raise ImportFileError(_("文件已损坏或不是有效的 xlsx 工作簿，无法读取")) from error
            if mapping is None:
                continue
            yield from _rows_after_header(header_at, mapping, rows, kind.example_key)
            return
        expected = "".join(f"“{kind.by_key[k].header}”" for k in kind.key_columns)
        raise ImportFileError(_("没有找到可识别的表头：第一行应包含%(columns)s等列，请使用下载的模板",
                                columns=expected))
    finally:
        workbook.close()


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
                       ) -> Iterator[RawRow]:
    for offset, values in enumerate(rows):
        number = header_at + 2 + offset  # Excel rows are 1-based; the first data row follows the header
        record_ = {key: values[col] if col < len(values) else None for col, key in mapping.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in record_.values()):
            continue
        if isinstance(record_.get(example_key), str) and norm(record_[example_key]).startswith(EXAMPLE_MARK):
            continue
        yield RawRow(number, record_)


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
