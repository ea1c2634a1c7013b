"""The top bar: each role sees its entries; officials' many entries fold into drop-downs."""

from __future__ import annotations

import re


def _bar(html: str) -> str:
    return html[html.index('<ul class="navbar-nav me-auto'):html.index('</ul>\n      <ul class="navbar-nav">')]


def test_official_entries_fold_into_menus(client, login, world):
    login(world["county"])
    bar = _bar(client.get("/directory/").get_data(as_text=True))
    menu = re.search(r'dropdown-toggle active"[^>]*>辅导员</a>(.*?)</ul>', bar, re.S)
    assert menu, "the 辅导员 menu is active on the directory page"
    assert "辅导员名录" in menu.group(1) and "年度更新" in menu.group(1)
    assert re.search(r'dropdown-item active" href="/directory/"', menu.group(1))
    for label in ("主体与需求", "管理", "服务协议", "工作进展"):
        assert label in bar
    assert bar.count('class="nav-item') <= 9  # fits a 1280 px screen


def test_operator_sees_plain_links(client, login, world):
    login(world["operator"])
    bar = _bar(client.get("/").get_data(as_text=True))
    assert "dropdown-toggle" not in bar
    for label in ("我的主体", "我的需求", "服务目录", "服务协议", "消息"):
        assert label in bar
    for label in ("辅导员名录", "审计日志", "工作进展"):
        assert label not in bar


def test_the_bar_follows_the_page_and_the_language(client, login, world, app):
    """The bar is worked out once per role, language and page: another page lights up its own entry, and
    the same page in English is not served the Chinese bar."""
    login(world["county"])
    directory = _bar(client.get("/directory/").get_data(as_text=True))
    accounts = _bar(client.get("/accounts/").get_data(as_text=True))
    assert re.search(r'dropdown-item active" href="/directory/"', directory)
    assert not re.search(r'dropdown-item active" href="/directory/"', accounts)
    assert re.search(r'dropdown-item active" href="/accounts/"', accounts)
    client.get("/lang/en")
    english = _bar(client.get("/directory/").get_data(as_text=True))
    client.get("/lang/zh_CN")
    assert "辅导员名录" in _bar(client.get("/directory/").get_data(as_text=True))
    if "辅导员名录" not in english:  # the catalog translates it: the English page shows the English bar
        assert re.search(r"[A-Za-z]", english)
