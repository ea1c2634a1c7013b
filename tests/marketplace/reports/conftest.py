"""Fixtures for the reporting tests: an accepted agreement in 正定县 (a case can link to it), reports drafted by
the county and the province, a 行唐县 official (the other county below 石家庄市)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from marketplace.agreements.models import AgreementStatus
from marketplace.extensions import db
from marketplace.reports import services
from marketplace.reports.models import PeriodKind
from tests.marketplace.evaluation.builders import at, make_agreement
from tests.marketplace.needs.helpers import make_counselor, make_need

PRACTICES = "全县聘任辅导员 20 名，围绕财务规范和市场营销开展上门辅导。"
CASE_TEXT = "辅导员帮助合作社建立规范账簿，完成年度财务公开，社员分红比上年增加。"


def report_input(**overrides) -> services.ReportInput:
    data = {"period_kind": PeriodKind.YEAR, "year": 2025, "period_no": 1, "practices": PRACTICES,
            "problems": "部分乡镇辅导员不足。", "suggestions": "增加培训经费。"}
    data.update(overrides)
    return services.ReportInput(**data)


def draft(official, **overrides):
    report = services.create_report(official, report_input(**overrides))
    db.session.commit()
    return report


def jpeg(size=(64, 48), exif: bool = True) -> bytes:
    """A small JPEG, with EXIF (a GPS-like tag) when asked."""
    image = Image.new("RGB", size, (30, 140, 60))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "CameraMaker"   # Make
        data[0x013B] = "刘建军"          # Artist
        image.save(out, format="JPEG", exif=data)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def provider(world):
    return make_counselor(world["county"], name="陈志明")


@pytest.fixture
def accepted(world, provider):
    """An agreement accepted in 2025 in a township of 正定县, provided by a counselor of the county."""
    need = make_need(world["operator"])
    agreement = make_agreement(need, counselor=provider, status=AgreementStatus.ACCEPTED, signed_at=at(2025, 3),
                               accepted_at=at(2025, 9), satisfaction=5, rated_at=at(2025, 9))
    agreement.entity_representative, agreement.entity_phone = "刘建军", "13931100001"
    db.session.commit()
    return agreement


@pytest.fixture
def xingtang(make_user):
    return make_user(region_code="130125")
