"""The import template built from a kind's columns: data sheet, instructions sheet, hidden lists sheet."""

from __future__ import annotations

import io
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.imports.spec import INSTRUCTIONS_SHEET, LISTS_SHEET, Column, ImportKind
from marketplace.regions.models import Level, Region

CHOICE_KINDS = ("choice", "multi", "bool")


def choices(column: Column) -> list[str]:
    if column.kind == "bool":
        return [_("是"), _("否")]
    return [str(v) for v in (column.labels or {}).values()]


def region_choices(department, which: str | None) -> list[str]:
    """"code name" of the department's current regions: "upper" (not townships), "township",
    "county_township"."""
    if department is None or which is None:
        return []
    query = select(Region.code, Region.name).where(Region.path.startswith(department.region.path, autoescape=True),
                                                   Region.valid_to.is_(None))
    levels = {"upper": Region.level != Level.TOWNSHIP, "township": Region.level == Level.TOWNSHIP,
              "county_township": Region.level.in_([Level.COUNTY, Level.TOWNSHIP])}
    query = query.where(levels[which])
    return [f"{code} {name}" for code, name in db.session.execute(query.order_by(Region.code))]


def _note(column: Column) -> str:
    return str(column.note) if column.note else ""


def build_template(kind: ImportKind, department=None) -> bytes:
    """The data sheet with one example row and drop-down lists for the coded fields, an instructions sheet,
    and a hidden sheet with the lists (regions of the department's jurisdiction included)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    sheet = wb.active
    sheet.title = kind.data_sheet
    lists = wb.create_sheet(LISTS_SHEET)
    sheet.append([c.header for c in kind.columns])
    bold, required_fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for index, column in enumerate(kind.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        if column.required:
            cell.fill = required_fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        # text format so identifiers and phones typed later keep every digit
        sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    example = kind.example_row(department)
    sheet.append([example.get(c.key, "") for c in kind.columns])

    list_col = 0
    for index, column in enumerate(kind.columns, start=1):
        values = choices(column) if column.kind in CHOICE_KINDS else region_choices(department, column.regions)
        if not values:
            continue
        list_col += 1
        list_letter = get_column_letter(list_col)
        lists.cell(row=1, column=list_col, value=column.header).font = bold
        for n, value in enumerate(values, start=2):
            lists.cell(row=n, column=list_col, value=value)
        formula = f"'{LISTS_SHEET}'!${list_letter}$2:${list_letter}${len(values) + 1}"
        # multi-valued and region cells accept typed text too (several labels, a name), so no hard stop there
        strict = column.kind in ("choice", "bool")
        validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=strict,
                                    errorTitle=_("输入有误"), error=_("请从下拉列表中选择"),
                                    promptTitle=column.header, prompt=_note(column) or None, showInputMessage=True)
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}10001")
        sheet.add_data_validation(validation)
    lists.sheet_state = "hidden"

    notes = wb.create_sheet(INSTRUCTIONS_SHEET, 1)
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 90
    for line in instructions(kind):
        notes.append(line)
    for row in notes.iter_rows(min_row=1, max_row=1):
        for cell in row:
            cell.font = bold
    for row in notes.iter_rows():
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def instructions(kind: ImportKind) -> list[list[Any]]:
    rows: list[list[Any]] = [[_("列"), _("填写要求")]]
    for column in kind.columns:
        note = _note(column)
        options = choices(column) if column.kind in CHOICE_KINDS else []
        if options:
            note += _("。可选：") + "、".join(options)
        rows.append([column.header, note])
    return rows + [["", ""]] + [[str(a), str(b)] for a, b in kind.extra_instructions()]
