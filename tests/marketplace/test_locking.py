"""Optimistic locking (marketplace/versioning.py) through the rendered edit forms: two people open the same edit
page, both save; the second save, from a stale form, is refused with "该记录已被他人修改，请刷新后再改" and the
first one's change stays. The API refuses a stale lock_version or If-Match with 409 the same way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from marketplace.centers import services as centers
from marketplace.extensions import db
from marketplace.versioning import STALE_MESSAGE
from tests.marketplace.agreements.conftest import draft
from tests.marketplace.centers.conftest import center_input, offering_input
from tests.marketplace.needs.helpers import make_counselor, make_entity, make_need
from tests.webpages import Pages, _FreshG

STALE = str(STALE_MESSAGE)


@dataclass
class Case:
    url: str
    first: Any  # the two users who open the page
    second: Any
    field: str
    model: type
    id: int
    api: str  # the API item URL


def counselor_case(world, make_user):
    from marketplace.directory.models import Counselor

    counselor = make_counselor(world["county"])
    colleague = make_user(region_code="130123")  # a second official of the appointing department
    return Case(f"/directory/{counselor.id}/edit", world["county"], colleague, "name", Counselor, counselor.id,
                f"/api/v1/counselors/{counselor.id}")


def entity_case(world, make_user):
    from marketplace.entities.models import Entity

    entity = make_entity(world["operator"])
    return Case(f"/entities/{entity.id}/edit", world["operator"], world["operator"], "name", Entity, entity.id,
                f"/api/v1/entities/{entity.id}")


def center_case(world, make_user):
    from marketplace.centers.models import ServiceCenter

    center = centers.register_center(world["center_staff"], center_input())
    db.session.commit()
    return Case(f"/centers/{center.id}/edit", world["center_staff"], world["center_staff"], "name", ServiceCenter,
                center.id, f"/api/v1/centers/{center.id}")


def offering_case(world, make_user):
    from marketplace.centers.models import Offering

    staff = world["center_staff"]
    center = centers.register_center(staff, center_input())
    offering = centers.add_offering(staff, center, offering_input())
    db.session.commit()
    return Case(f"/centers/{center.id}/offerings/{offering.id}/edit", staff, staff, "name", Offering, offering.id,
                f"/api/v1/centers/{center.id}/offerings/{offering.id}")


def need_case(world, make_user):
    from marketplace.needs.models import Need

    need = make_need(world["operator"], publish=False)
    return Case(f"/needs/{need.id}/edit", world["operator"], world["operator"], "title", Need, need.id,
                f"/api/v1/needs/{need.id}")


def agreement_case(world, make_user):
    from marketplace.agreements.models import Agreement

    agreement = draft(world)
    return Case(f"/agreements/{agreement.id}/edit", world["operator"], world["counselor"], "title", Agreement,
                agreement.id, f"/api/v1/agreements/{agreement.id}")


CASES = [counselor_case, entity_case, center_case, offering_case, need_case, agreement_case]


@pytest.fixture
def other_pages(app, pages):
    """A second browser (its own cookies), for the second person."""
    return Pages(_FreshG(app), extra_environ={"REMOTE_ADDR": "127.0.0.2"})


def edit_form(page):
    form = next(form for form in page.forms.values() if "lock_version" in form.fields)
    # The agreement form renders blank item rows; fill them like the first item so the save is valid whether
    # or not blank rows are skipped.
    names = [name for name in form.fields if name and name.startswith("items-")]
    for name in names:
        _items, number, key = name.split("-", 2)
        if number != "0" and not form[name].value and f"items-0-{key}" in form.fields:
            form[name] = form[f"items-0-{key}"].value
    return form


@pytest.mark.parametrize("make_case", CASES, ids=[c.__name__.removesuffix("_case") for c in CASES])
def test_a_save_from_a_stale_form_is_refused_and_the_first_change_stays(world, make_user, pages, other_pages,
                                                                       make_case, monkeypatch):
    import marketplace.directory.yearly as yearly

    monkeypatch.setattr(yearly, "in_window", lambda today: True)  # counselors are edited in the yearly window
    case = make_case(world, make_user)
    pages.sign_in(case.first)
    other_pages.sign_in(case.second)
    mine, theirs = edit_form(pages.get(case.url)), edit_form(other_pages.get(case.url))
    assert mine["lock_version"].value == theirs["lock_version"].value == "1"

    mine[case.field] = "第一个人的修改"
    saved = mine.submit()
    assert saved.status_int in (302, 303), [line for line in saved.text.splitlines() if "invalid" in line]

    theirs[case.field] = "第二个人的修改"
    refused = theirs.submit()
    assert refused.status_int == 200 and STALE in refused.text
    db.session.expire_all()
    record = db.session.get(case.model, case.id)
    assert getattr(record, case.field) == "第一个人的修改" and record.lock_version == 2

    # After a refresh the second person sees the first one's change and may save over it.
    again = edit_form(other_pages.get(case.url))
    assert again[case.field].value == "第一个人的修改" and again["lock_version"].value == "2"
    again[case.field] = "第二个人的修改"
    assert again.submit().status_int in (302, 303)
    db.session.expire_all()
    assert getattr(db.session.get(case.model, case.id), case.field) == "第二个人的修改"


@pytest.mark.parametrize("make_case", CASES, ids=[c.__name__.removesuffix("_case") for c in CASES])
def test_the_api_refuses_a_stale_version(world, make_user, client, api_token, make_case, monkeypatch):
    import marketplace.directory.yearly as yearly

    monkeypatch.setattr(yearly, "in_window", lambda today: True)
    case = make_case(world, make_user)
    headers = api_token(case.first)
    read = client.get(case.api, headers=headers)
    assert read.status_code == 200 and read.headers["ETag"] == '"1"' and read.get_json()["lock_version"] == 1

    first = client.patch(case.api, headers=headers, json={case.field: "接口的修改", "lock_version": 1})
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["lock_version"] == 2 and first.headers["ETag"] == '"2"'

    stale = client.patch(case.api, headers=headers, json={case.field: "过期的修改", "lock_version": 1})
    assert stale.status_code == 409 and stale.get_json()["error"] == {"code": "stale", "message": STALE}
    stale_header = client.patch(case.api, headers={**headers, "If-Match": '"1"'}, json={case.field: "过期的修改"})
    assert stale_header.status_code == 409
    db.session.expire_all()
    assert getattr(db.session.get(case.model, case.id), case.field) == "接口的修改"

    current = client.patch(case.api, headers={**headers, "If-Match": '"2"'}, json={case.field: "按版本修改"})
    assert current.status_code == 200 and current.get_json()["lock_version"] == 3


def test_the_openapi_documents_the_version(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    patch = spec["paths"]["/api/v1/counselors/{counselor_id}"]["patch"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in patch["parameters"])
    schemas = spec["components"]["schemas"]
    assert "lock_version" in schemas["CounselorUpdate"]["properties"]
    assert "已被他人修改" in schemas["Counselor"]["properties"]["lock_version"]["description"]
