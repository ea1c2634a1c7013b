"""Builders for service centers: a valid input, a registered center with its four documents, a filed one."""

from __future__ import annotations

import io

import pytest

from marketplace.centers import services
from marketplace.centers.models import DocumentKind, Establishment, OperatorType, SetupMode
from marketplace.extensions import db

PDF = b"%PDF-1.4\n%test\n%%EOF\n"
CREDIT_CODE = services.demo_credit_code("93130123MA0CXY12K")


def center_input(**overrides) -> services.CenterInput:
    data = {
        "name": "正定县测试服务中心", "operator_type": OperatorType.FEDERATION, "operator_name": "测试联合社",
        "operator_credit_code": CREDIT_CODE, "setup_mode": SetupMode.NEW, "establishment": Establishment.FILING,
        "address": "正定县测试路 1 号", "region_code": "130123", "categories": 1 | 4, "staff_count": 3,
        "opening_hours": "周一至周五",
    }
    data.update(overrides)
    return services.CenterInput(**data)


def offering_input(**overrides) -> services.OfferingInput:
    data = {"name": "代理记账", "category": 4, "unit": "户·年", "price_min": "2400", "price_max": None,
            "service_standard": "按月记账"}
    data.update(overrides)
    return services.OfferingInput(**data)


def attach_documents(staff, center) -> None:
    for kind in DocumentKind:
        services.add_document(staff, center, kind, io.BytesIO(PDF), f"{kind.value}.pdf")


@pytest.fixture
def register():
    def make(staff, documents: bool = True, **overrides):
        center = services.register_center(staff, center_input(**overrides))
        if documents:
            attach_documents(staff, center)
        db.session.commit()
        return center

    return make


@pytest.fixture
def filed(register):
    def make(staff, reviewer, **overrides):
        center = register(staff, **overrides)
        services.transition(center, "submit", staff)
        services.transition(center, "file", reviewer)
        db.session.commit()
        return center

    return make
