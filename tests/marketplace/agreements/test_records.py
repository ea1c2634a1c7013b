"""Service records: append-only, hash-chained; corrections point at the old record; tampering with a stored
row is found by verify_chain, the CLI (exit 1) and the badge on the page."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import text

from marketplace.agreements import records
from marketplace.agreements.cli import check_chain_command
from marketplace.agreements.models import RecordKind
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def entry(**overrides) -> records.RecordInput:
    data = {"served_on": date(2026, 11, 21), "kind": RecordKind.VISIT, "content": "上门指导建账，核对成员名册",
            "participants": "刘桂芳、刘建军", "place": "塔元庄村合作社办公室"}
    data.update(overrides)
    return records.RecordInput(**data)


@pytest.fixture
def serving(world, make_agreement):
    return make_agreement("in_service")


def test_records_chain_and_corrections(world, serving):
    first = records.add_record(world["counselor"], serving, entry(files=[(io.BytesIO(PNG), "现场.png")]))
    second = records.add_record(world["counselor"], serving, entry(kind=RecordKind.TRAINING, content="财务培训 4 学时"))
    fix = records.add_record(world["counselor"], serving, entry(content="更正：参加人员还有会计王芳",
                                                                corrects_id=first.id))
    db.session.commit()
    assert [r.seq for r in (first, second, fix)] == [1, 2, 3]
    assert first.prev_hash is None and second.prev_hash == first.record_hash and fix.prev_hash == second.record_hash
    assert fix.corrects_id == first.id and first.attachments[0].sha256
    check = records.verify_chain(serving.id)
    assert check.ok and check.count == 3


def test_only_the_provider_records_and_only_while_serving(world, make_agreement):
    agreement = make_agreement("proposed")
    with pytest.raises(Conflict, match="不能登记服务记录"):
        records.add_record(world["counselor"], agreement, entry())
    agreement = make_agreement("in_service")
    with pytest.raises(NotAllowed, match="乙方"):
        records.add_record(world["operator"], agreement, entry())
    with pytest.raises(DomainError, match="服务内容"):
        records.add_record(world["counselor"], agreement, entry(content=" "))
    with pytest.raises(DomainError, match="晚于今天"):
        records.add_record(world["counselor"], agreement, entry(served_on=date(2999, 1, 1)))
    with pytest.raises(DomainError, match="PDF、PNG"):
        records.add_record(world["counselor"], agreement, entry(files=[(io.BytesIO(b"MZ..."), "x.exe")]))


@pytest.mark.parametrize(("column", "value"), [("content", "'改过的内容'"), ("served_on", "'2026-01-01'"),
                                               ("prev_hash", "NULL")])
def test_tampering_is_found(world, serving, client, switch, app, column, value):
    for n in range(3):
        records.add_record(world["counselor"], serving, entry(content=f"第 {n + 1} 次上门"))
    db.session.commit()
    db.session.execute(text(f"UPDATE service_records SET {column} = {value} WHERE seq = 2"))  # noqa: S608
    db.session.commit()
    check = records.verify_chain(serving.id)
    assert not check.ok and check.broken_seq == 2
    switch(world["operator"])
    page = client.get(f"/agreements/{serving.id}/records").get_data(as_text=True)
    assert "记录链已被篡改" in page and "第 2 条记录" in page
    assert "记录链已被篡改" in client.get(f"/agreements/{serving.id}").get_data(as_text=True)
    result = app.test_cli_runner().invoke(check_chain_command, [])
    assert result.exit_code == 1 and "BROKEN" in result.output


def test_a_deleted_record_breaks_the_chain(world, serving):
    for n in range(3):
        records.add_record(world["counselor"], serving, entry(content=f"第 {n + 1} 次"))
    db.session.commit()
    db.session.execute(text("DELETE FROM service_records WHERE seq = 2"))
    db.session.commit()
    assert records.verify_chain(serving.id).problem == "第 2 条记录缺失"


def test_check_chain_command_passes_on_intact_chains(world, serving, app):
    records.add_record(world["counselor"], serving, entry())
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(check_chain_command, ["--agreement", str(serving.id)])
    assert result.exit_code == 0 and "OK" in result.output and "0 份记录链异常" in result.output
    assert runner.invoke(check_chain_command, ["--agreement", "999999"]).exit_code != 0


def test_record_page_for_both_parties(world, serving, client, switch):
    switch(world["counselor"])
    response = client.post(f"/agreements/{serving.id}/records", data={
        "served_on": "2026-11-21", "kind": "training", "content": "开展财务培训", "participants": "12 人",
        "place": "村委会", "files": (io.BytesIO(PNG), "签到表.png")}, content_type="multipart/form-data",
        follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "已登记第 1 条服务记录" in page and "开展财务培训" in page and "记录链完整" in page
    db.session.refresh(serving)
    attachment = serving.records[0].attachments[0]
    switch(world["operator"])
    page = client.get(f"/agreements/{serving.id}/records").get_data(as_text=True)
    assert "开展财务培训" in page and "登记服务记录" not in page
    download = client.get(f"/agreements/{serving.id}/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PNG
    assert client.post(f"/agreements/{serving.id}/records", data={"content": "x"}).status_code == 403
    switch(world["counselor"])
    page = client.post(f"/agreements/{serving.id}/records", data={"kind": "visit", "content": ""}).get_data(
        as_text=True)
    assert "请填写服务日期" in page
