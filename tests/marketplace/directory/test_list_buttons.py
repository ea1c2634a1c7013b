"""The directory list offers its buttons as rendered (issue 12: a misspelt endpoint hid 批量导入 for good)."""

from __future__ import annotations

from tests.marketplace.directory.certificate_helpers import appoint


def test_appointing_official_finds_import_and_export_on_the_list(pages, world):
    appoint(world["county"])
    pages.sign_in(world["county"])
    listing = pages.get("/directory/")
    assert "template.xlsx" in listing.click("批量导入").text
    assert listing.click("导出").content_type.endswith("spreadsheetml.sheet")


def test_township_official_is_not_offered_the_import(pages, world):
    pages.sign_in(world["township"])
    assert "批量导入" not in pages.get("/directory/").text
