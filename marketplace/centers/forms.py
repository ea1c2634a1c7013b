from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, DecimalField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.centers.labels import (
    DOCUMENT_LABELS,
    ESTABLISHMENT_LABELS,
    OPERATOR_TYPE_LABELS,
    SETUP_MODE_LABELS,
    STATUS_LABELS,
)
from marketplace.directory.labels import SPECIALTY_LABELS
from marketplace.forms import MultiCheckboxField, RegionField, VersionedForm
from marketplace.forms import enum_choices as _choices


class CenterForm(VersionedForm, FlaskForm):
    name = StringField(_l("服务中心名称"), validators=[DataRequired(message=_l("请填写服务中心名称")), Length(max=120)])
    operator_type = SelectField(_l("运营主体类型"), choices=_choices(OPERATOR_TYPE_LABELS))
    operator_name = StringField(_l("运营主体名称"), validators=[DataRequired(message=_l("请填写运营主体名称")),
                                                          Length(max=120)])
    operator_credit_code = StringField(_l("运营主体统一社会信用代码"),
                                       validators=[DataRequired(message=_l("请填写统一社会信用代码"))])
    setup_mode = SelectField(_l("设立方式"), choices=_choices(SETUP_MODE_LABELS))
    establishment = SelectField(_l("部门设立方式"), choices=_choices(ESTABLISHMENT_LABELS))
    region_code = RegionField(_l("所在地区（县或乡镇）"))
    address = StringField(_l("详细地址"), validators=[DataRequired(message=_l("请填写地址")), Length(max=200)])
    service_area_codes = SelectMultipleField(_l("服务区域（默认所在地区）"), validators=[Optional()])
    categories = MultiCheckboxField(_l("服务类别（可多选）"), choices=_choices(SPECIALTY_LABELS))
    staff_count = IntegerField(_l("工作人员数"), default=0,
                               validators=[NumberRange(0, 10000, message=_l("应在 0 到 10000 之间"))])
    opening_hours = StringField(_l("服务时间"), validators=[Optional(), Length(max=120)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=20)])


class DocumentForm(FlaskForm):
    kind = SelectField(_l("文件类别"), choices=_choices(DOCUMENT_LABELS))
    file = FileField(_l("文件（PDF、图片、Word 或 Excel）"),
                     validators=[FileRequired(message=_l("请选择要上传的文件"))])


class ActionForm(FlaskForm):
    reason = TextAreaField(_l("原因或意见"), validators=[Optional(), Length(max=1000)])
    deadline = DateField(_l("整改期限（责令整改时填写）"), validators=[Optional()])


class OfferingForm(VersionedForm, FlaskForm):
    name = StringField(_l("服务项目"), validators=[DataRequired(message=_l("请填写服务项目名称")), Length(max=120)])
    category = SelectField(_l("服务类别"), choices=_choices(SPECIALTY_LABELS))
    description = TextAreaField(_l("服务内容"), validators=[Optional(), Length(max=2000)])
    unit = StringField(_l("计价单位"), validators=[DataRequired(message=_l("请填写计价单位")), Length(max=32)])
    price_min = DecimalField(_l("价格或最低价（元）"), places=2,
                             validators=[InputRequired(message=_l("请填写价格（元）"))])
    price_max = DecimalField(_l("最高价（元，单一价格可不填）"), places=2, validators=[Optional()])
    service_standard = TextAreaField(_l("服务标准"), validators=[Optional(), Length(max=2000)])
    delivery_days = IntegerField(_l("完成时限（天）"), validators=[Optional(), NumberRange(0, 3650)])


class CenterFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("名称或备案编号"), validators=[Optional(), Length(max=64)])
    region_code = RegionField(_l("地区"), validators=[Optional()])
    status = SelectField(_l("状态"), choices=_choices(STATUS_LABELS, _l("全部状态")), validators=[Optional()])
    category = SelectField(_l("服务类别"), choices=_choices(SPECIALTY_LABELS, _l("全部类别")), validators=[Optional()])


class CatalogueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    region_code = RegionField(_l("地区"), validators=[Optional()])
    category = SelectField(_l("服务类别"), choices=_choices(SPECIALTY_LABELS, _l("全部类别")), validators=[Optional()])
