"""Batch import of entities (经营主体批量导入) by officials, on the generic import machinery."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from marketplace.audit.models import AuditEntry
from marketplace.entities import imports
from marketplace.entities.models import Entity, EntityType, ModelLevel, VerificationStatus
from marketplace.extensions import db
from marketplace.imports.spec import INSTRUCTIONS_SHEET, LISTS_SHEET
from marketplace.jobs.models import Job
from tests.marketplace.needs.helpers import credit_code, make_entity

HEADERS = [c.header for c in imports.COLUMNS]


def row(n: int, **overrides) -> dict:
    """A valid cooperative in 正定镇 (130123100), keyed by header; `n` makes the name and code unique."""
    values = {"主体类型": "农民专业合作社", "主体名称": f"正定县第{n}果蔬专业合作社",
              "统一社会信用代码": credit_code(n),
              "法定代表人": "刘建军", "联系电话": f"1393110{n:04d}", "所在地区": "130123100", "详细地址": "塔元庄村",
              "主营产业": "粮油作物、蔬菜", "成员数": 56, "经营面积（亩）": 320.5, "养殖规模（头/只）": "",
              "示范等级": "县级示范", "成立年份": 2015}
    values.update(overrides)
    return values


def farm(n: int, **overrides) -> dict:
    return row(n, 主体类型="家庭农场", 主体名称=f"王{n}家庭农场", 统一社会信用代码="", 成员数=4, 示范等级="",
               **overrides)


def xlsx(rows: list[dict], headers: list[str] | None = None) -> bytes:
    headers = headers or HEADERS
    wb = openpyxl.Workbook()
    wb.active.append(headers)
    for values in rows:
        wb.active.append([values.get(h, "") for h in headers])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def save(tmp_path):
    def do(data: bytes, name: str = "upload.xlsx"):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return do


def run(actor, path):
    """Check and write in one transaction, as the task does; roll back on errors."""
    outcome = imports.import_file(actor, path)
    if outcome.errors:
        db.session.rollback()
    else:
        db.session.commit()
    return outcome


def entities() -> int:
    return db.session.scalar(select(func.count()).select_from(Entity))


# --- the template -------------------------------------------------------------------------------------------

def test_template_round_trip(world, save):
    county = world["county"]
    data = imports.build_template(county.department)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheet = wb[imports.KIND.data_sheet]
    assert [c.value for c in sheet[1]] == HEADERS
    assert str(sheet["B2"].value).startswith("示例")
    validated = {sheet[f"{str(v.sqref).split(':')[0].rstrip('0123456789')}1"].value
                 for v in sheet.data_validations.dataValidation}
    assert {"主体类型", "主营产业", "示范等级", "所在地区"} <= validated
    values = {cell.value for col in wb[LISTS_SHEET].iter_cols() for cell in col}
    assert {"农民专业合作社", "家庭农场", "130123100 正定镇", "130123 正定县", "国家级示范"} <= values
    notes = " ".join(str(c.value) for r in wb[INSTRUCTIONS_SHEET].iter_rows() for c in r if c.value)
    assert "合作社和联合社必填" in notes and "已核实" in notes
    sheet.append([row(1)[h] for h in HEADERS])  # fill the downloaded template and import it
    buffer = io.BytesIO()
    wb.save(buffer)
    outcome = run(county, save(buffer.getvalue()))
    assert outcome.errors == [] and (outcome.total, outcome.created) == (1, 1)


# --- a good file --------------------------------------------------------------------------------------------

def test_a_county_import_creates_verified_entities_held_by_the_department(world, save):
    county = world["county"]
    federation = row(3, 主体类型="联合社", 所在地区="正定县", 示范等级="省级示范社")
    outcome = run(county, save(xlsx([row(1), farm(2), federation])))
    assert outcome.errors == [] and (outcome.created, outcome.updated, outcome.unchanged) == (3, 0, 0)
    by_name = {e.name: e for e in Entity.query}
    coop = by_name["正定县第1果蔬专业合作社"]
    assert coop.type is EntityType.COOPERATIVE and coop.credit_code == credit_code(1)
    assert coop.industries == 1 | 4 and coop.area_mu == Decimal("320.50") and coop.model_level is ModelLevel.COUNTY
    assert coop.owner_id == county.id and coop.verification_status is VerificationStatus.VERIFIED
    assert coop.verified_by_id == county.id and coop.verified_at is not None
    assert by_name["王2家庭农场"].credit_code is None and by_name["王2家庭农场"].type is EntityType.FAMILY_FARM
    federation = by_name["正定县第3果蔬专业合作社"]
    assert federation.type is EntityType.FEDERATION and federation.region_code == "130123"
    assert federation.model_level is ModelLevel.PROVINCE
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "entity.import")).one()
    assert audit.details["created"] == 3


def test_a_city_import_waits_for_the_county_to_verify(world, save):
    outcome = run(world["city"], save(xlsx([row(1)])))
    assert outcome.created == 1
    assert Entity.query.one().verification_status is VerificationStatus.UNVERIFIED


# --- bad rows -----------------------------------------------------------------------------------------------

BAD_ROWS = [
    ({"主体类型": ""}, "主体类型", "请选择主体类型"),
    ({"主体类型": "公司"}, "主体类型", "“公司”不是可选的主体类型"),
    ({"主体名称": ""}, "主体名称", "请填写主体名称"),
    ({"主体名称": "合" * 121}, "主体名称", "最多 120 个字"),
    ({"统一社会信用代码": ""}, "统一社会信用代码", "合作社和联合社须填写统一社会信用代码"),
    ({"统一社会信用代码": "93130123000000001"}, "统一社会信用代码", "18 位"),
    ({"统一社会信用代码": "93130123000000001I"}, "统一社会信用代码", "无效字符"),
    ({"统一社会信用代码": "931301230000000010"}, "统一社会信用代码", "校验位"),
    ({"统一社会信用代码": 931301230000000010}, "统一社会信用代码", "存成了数字"),
    ({"法定代表人": ""}, "法定代表人", "请填写法定代表人或经营者"),
    ({"联系电话": "1234"}, "联系电话", "11 位"),
    ({"所在地区": ""}, "所在地区", "请选择所在的县（区）或乡镇"),
    ({"所在地区": "130100"}, "所在地区", "请选择所在的县（区）或乡镇"),
    ({"所在地区": "130102"}, "所在地区", "不在本部门管辖范围内"),
    ({"所在地区": "火星"}, "所在地区", "没有名为"),
    ({"主营产业": ""}, "主营产业", "请至少选择一个产业"),
    ({"主营产业": "粮油作物、太空"}, "主营产业", "“太空”不是可选的主营产业"),
    ({"成员数": "很多"}, "成员数", "请填写整数"),
    ({"成员数": -3}, "成员数", "数量超出范围"),
    ({"经营面积（亩）": "大片"}, "经营面积（亩）", "请填写数字"),
    ({"经营面积（亩）": "1e30"}, "经营面积（亩）", "面积超出范围"),
    ({"示范等级": "世界级"}, "示范等级", "不是可选的示范等级"),
    ({"成立年份": 1800}, "成立年份", "1949 年"),
]


@pytest.mark.parametrize(("overrides", "column", "message"), BAD_ROWS, ids=[m for _o, _c, m in BAD_ROWS])
def test_a_bad_row_writes_nothing_and_names_row_column_and_reason(world, save, overrides, column, message):
    outcome = run(world["county"], save(xlsx([row(1), row(2, **overrides), row(3)])))
    assert entities() == 0
    assert any(e["row"] == 3 and e["column"] == column and message in e["message"] for e in outcome.errors), \
        outcome.errors


def test_duplicates_inside_the_file(world, save):
    outcome = run(world["county"], save(xlsx([row(1), row(2, 统一社会信用代码=credit_code(1)), farm(3), farm(3)])))
    assert entities() == 0
    assert outcome.errors == [
        {"row": 3, "column": "统一社会信用代码", "message": "与第 2 行的统一社会信用代码重复"},
        {"row": 5, "column": "主体名称", "message": "与第 4 行的主体名称和地区重复"},
    ]


def test_an_entity_registered_by_its_operator_is_not_overwritten(world, save):
    make_entity(world["operator"], credit_code=credit_code(2), name="自行登记的合作社")
    outcome = run(world["county"], save(xlsx([row(1), row(2)])))
    assert outcome.errors == [{"row": 3, "column": "统一社会信用代码",
                               "message": "该主体已由经营主体自行登记或由其他部门导入，不能通过本部门导入修改"}]
    assert entities() == 1 and Entity.query.one().name == "自行登记的合作社"


def test_jurisdiction(world, save):
    from marketplace.errors import NotAllowed

    for actor in ("township", "operator", "counselor"):
        with pytest.raises(NotAllowed):
            imports.import_file(world[actor], save(xlsx([row(1)])))
    outcome = run(world["other_province"], save(xlsx([row(1)])))  # 北京 imports a 河北 row
    assert outcome.errors[0]["column"] == "所在地区" and "不在本部门管辖范围内" in outcome.errors[0]["message"]
    assert entities() == 0


# --- re-import ----------------------------------------------------------------------------------------------

def test_reimport_counts_created_updated_unchanged(world, save):
    county = world["county"]
    assert run(county, save(xlsx([row(1), row(2), farm(3)]))).created == 3
    again = [row(1, **{"经营面积（亩）": "320.504"}), row(2, 成员数=80, 联系电话="13700000000"), farm(3), farm(4)]
    outcome = run(county, save(xlsx(again), "b.xlsx"))
    assert (outcome.created, outcome.updated, outcome.unchanged) == (1, 1, 2)
    changed = Entity.query.filter_by(credit_code=credit_code(2)).one()
    assert changed.members == 80 and changed.contact_phone == "13700000000"
    assert changed.verification_status is VerificationStatus.VERIFIED
    assert entities() == 4


def test_an_update_from_above_sends_the_entity_back_for_verification(world, save):
    city = world["city"]
    run(city, save(xlsx([row(1)])))
    db.session.execute(Entity.__table__.update().values(verification_status="verified"))
    db.session.commit()
    assert run(city, save(xlsx([row(1)]), "same.xlsx")).unchanged == 1
    assert run(city, save(xlsx([row(1, 成员数=99)]), "changed.xlsx")).updated == 1
    assert Entity.query.one().verification_status is VerificationStatus.UNVERIFIED


def test_another_departments_import_is_not_overwritten(world, save):
    run(world["city"], save(xlsx([row(1)])))
    outcome = run(world["county"], save(xlsx([row(1)]), "again.xlsx"))
    assert outcome.errors and "其他部门导入" in outcome.errors[0]["message"]


# --- files, jobs, pages, API --------------------------------------------------------------------------------

BAD_FILES = [("empty", b"", "文件是空的"),
             ("binary", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 100, "不是 Excel 工作簿（xlsx、xls）或 CSV 文件")]


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_wrong_files_are_refused_at_upload(world, client, api_token, login, name, data, message):
    county = world["county"]
    response = client.post("/api/v1/entities/imports", headers=api_token(county),
                           data={"file": (io.BytesIO(data), f"{name}.xlsx")})
    assert response.status_code == 400 and message in response.get_json()["error"]["message"]
    login(county)
    page = client.post("/entities/imports", data={"file": (io.BytesIO(data), f"{name}.xlsx")})
    assert page.status_code == 400 and message in page.get_data(as_text=True)
    assert Job.query.count() == 0 and entities() == 0


def test_a_file_without_known_headers_fails_the_job(world, client, api_token):
    headers = api_token(world["county"])
    response = client.post("/api/v1/entities/imports", headers=headers,
                           data={"file": (io.BytesIO(xlsx([{"编号": 1}], ["编号", "内容"])), "x.xlsx")})
    job = client.get(f"/api/v1/jobs/{response.get_json()['job_id']}", headers=headers).get_json()
    assert job["state"] == "failed" and "“主体类型”“主体名称”" in job["errors"][0]["message"]


def test_the_page_imports_shows_counts_and_the_list_links_to_it(world, client, login):
    login(world["county"])
    assert "批量导入" in client.get("/entities/").get_data(as_text=True)
    form = client.get("/entities/imports")
    assert form.status_code == 200 and "下载导入模板" in form.get_data(as_text=True)
    response = client.post("/entities/imports", data={"file": (io.BytesIO(xlsx([row(1), farm(2)])), "a.xlsx")})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "新增 2 个" in html and "import-progress.js" in html
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/entities/imports/{job_id}.json").get_json()["state"] == "succeeded"
    assert client.get("/entities/template.xlsx").status_code == 200


def test_the_job_page_shows_errors_and_the_report_downloads(world, client, login):
    login(world["county"])
    response = client.post("/entities/imports",
                           data={"file": (io.BytesIO(xlsx([row(1), row(2, 联系电话="12")])), "a.xlsx")})
    job_url = response.headers["Location"]
    html = client.get(job_url).get_data(as_text=True)
    assert "手机号码应为 11 位数字" in html and "未导入任何数据" in html
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(job_url + "/errors.xlsx").data)).active
    assert list(sheet.iter_rows(values_only=True))[1] == (3, "联系电话", "手机号码应为 11 位数字")
    assert entities() == 0


def test_api_import_and_job(world, client, api_token):
    headers = api_token(world["county"])
    response = client.post("/api/v1/entities/imports", headers=headers,
                           data={"file": (io.BytesIO(xlsx([row(1)])), "a.xlsx")})
    assert response.status_code == 202
    job = client.get(f"/api/v1/jobs/{response.get_json()['job_id']}", headers=headers).get_json()
    assert job["kind"] == "entity_import" and job["state"] == "succeeded" and job["summary"]["created"] == 1
    template = client.get("/api/v1/entities/template.xlsx", headers=headers)
    assert template.status_code == 200 and "经营主体" in openpyxl.load_workbook(io.BytesIO(template.data)).sheetnames


def test_a_failure_while_writing_leaves_nothing(world, client, api_token, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "record", boom)  # after the rows were inserted
    headers = api_token(world["county"])
    response = client.post("/api/v1/entities/imports", headers=headers,
                           data={"file": (io.BytesIO(xlsx([row(1), row(2)])), "a.xlsx")})
    job = client.get(f"/api/v1/jobs/{response.get_json()['job_id']}", headers=headers).get_json()
    assert job["state"] == "failed" and "未写入任何数据" in job["errors"][0]["message"]
    assert entities() == 0


def test_the_reaper_covers_entity_imports(world, db):
    from datetime import timedelta

    from marketplace.imports.jobs import reap_stale
    from marketplace.jobs.models import JobState
    from marketplace.timeutil import utcnow

    job = Job(kind=imports.JOB_KIND, actor_id=world["county"].id, region_code="130123", state=JobState.RUNNING,
              heartbeat_at=utcnow() - timedelta(minutes=30))
    db.session.add(job)
    db.session.commit()
    assert reap_stale() == 1


def test_no_per_row_queries(world, save, query_counter):
    county = world["county"]
    small, large = save(xlsx([row(n) for n in range(1, 4)]), "small.xlsx"), \
        save(xlsx([row(n) for n in range(1, 41)] + [farm(n) for n in range(41, 61)]), "large.xlsx")
    with query_counter() as few:
        assert imports.import_file(county, small).created == 3
    db.session.rollback()
    with query_counter() as many:
        assert imports.import_file(county, large).created == 60
    db.session.rollback()
    assert len(many) <= len(few) + 2, many[len(few):]
