"""The generic import machinery (marketplace/imports/) with a toy kind: cells, reader, template, report."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from flask_babel import lazy_gettext as _l

from marketplace.directory.labels import INDUSTRY_LABELS, WORK_MODE_LABELS
from marketplace.directory.models import Industry, WorkMode
from marketplace.imports.cells import CellParser, RegionIndex
from marketplace.imports.reader import ImportFileError, Outcome, RawRow, error_report, iter_raw_rows
from marketplace.imports.spec import INSTRUCTIONS_SHEET, Column, ImportKind
from marketplace.imports.template import build_template


class Toy(ImportKind):
    job_kind, data_sheet, key_columns = "toy_import", "玩具", ("name",)
    columns = [
        Column("name", "名称", ("名字",), True, max_length=4, note=_l("必填")),
        Column("mode", "工作模式", (), False, "choice", WORK_MODE_LABELS, note=_l("选填")),
        Column("fields", "产业", (), False, "multi", INDUSTRY_LABELS),
        Column("flag", "是否", (), False, "bool"),
        Column("day", "日期", (), False, "date"),
        Column("count", "数量", (), False, "int"),
        Column("area", "面积（亩）", (), False, "decimal"),
        Column("region", "地区", (), False, "region", regions="county_township"),
        Column("code", "代码", (), False, "id"),
    ]


TOY = Toy()


@pytest.fixture
def parser(world):
    return CellParser(TOY.columns, RegionIndex(world["county"].department))


def parse(parser, **values):
    outcome = Outcome()
    return parser.parse(RawRow(7, values), outcome), outcome.errors


def test_every_cell_kind(parser):
    values, errors = parse(parser, name=" 张三 ", mode="专职", fields="粮油作物，蔬菜", flag="是",
                           day="2023年1月5日", count=3.0, area="12.5", region="正定镇", code=123)
    assert errors == []
    assert values == {"name": "张三", "mode": WorkMode.FULL_TIME, "fields": Industry.GRAIN | Industry.VEGETABLE,
                      "flag": True, "day": date(2023, 1, 5), "count": 3, "area": Decimal("12.5"),
                      "region": "130123100", "code": ("123", True)}


@pytest.mark.parametrize(("cells", "column", "message"), [
    ({"name": "太长的名字"}, "名称", "最多 4 个字"),
    ({"mode": "半职"}, "工作模式", "“半职”不是可选的工作模式"),
    ({"fields": "太空"}, "产业", "“太空”不是可选的产业"),
    ({"flag": "也许"}, "是否", "“是”或“否”"),
    ({"day": "明天"}, "日期", "无法识别"),
    ({"count": "1.5"}, "数量", "请填写整数"),
    ({"area": "大"}, "面积（亩）", "请填写数字"),
    ({"region": "火星"}, "地区", "没有名为“火星”的地区"),
])
def test_cell_errors_name_row_and_column(parser, cells, column, message):
    values, errors = parse(parser, **cells)
    assert values is None and errors[0]["row"] == 7 and errors[0]["column"] == column
    assert message in errors[0]["message"]


def test_template_from_the_columns(world):
    wb = openpyxl.load_workbook(io.BytesIO(build_template(TOY, world["county"].department)))
    assert [c.value for c in wb["玩具"][1]] == [c.header for c in TOY.columns]
    notes = {r[0].value: r[1].value for r in wb[INSTRUCTIONS_SHEET].iter_rows() if r[0].value}
    assert notes["名称"] == "必填" and "可选：专职、兼职" in notes["工作模式"]


def test_reader_finds_the_header_under_a_title_and_skips_blank_and_example_rows(tmp_path):
    wb = openpyxl.Workbook()
    for line in (["玩具清单"], ["名字", "数量"], ["示例：某某", 1], [None, None], ["甲", 2]):
        wb.active.append(line)
    path = tmp_path / "toy.xlsx"
    wb.save(path)
    rows = list(iter_raw_rows(path, TOY))
    assert [(r.row, r.values) for r in rows] == [(5, {"name": "甲", "count": 2})]


def test_reader_names_the_expected_headers(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["别的"])
    path = tmp_path / "other.xlsx"
    wb.save(path)
    with pytest.raises(ImportFileError, match="“名称”"):
        list(iter_raw_rows(path, TOY))


def test_error_report_never_writes_formulas():
    data = error_report([{"row": 3, "column": "名称", "message": "=HYPERLINK(\"x\")"}])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert list(sheet.iter_rows(values_only=True)) == [("行", "列", "错误原因"), (3, "名称", "'=HYPERLINK(\"x\")")]
