from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.directory.labels import (
    EDUCATION_LABELS,
    INDUSTRY_LABELS,
    POLITICAL_LABELS,
    SOURCE_LABELS,
    SPECIALTY_LABELS,
    STATUS_LABELS,
    WORK_MODE_LABELS,
)
from marketplace.forms import FixedSelectField, MultiCheckboxField, RegionField, VersionedForm
from marketplace.forms import enum_choices as _choices


class CounselorForm(VersionedForm, FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(message=_l("请填写姓名")), Length(max=64)])
    id_number = StringField(_l("身份证号码"), validators=[DataRequired(message=_l("请填写身份证号码"))])
    phone = StringField(_l("手机号码"), validators=[DataRequired(message=_l("请填写手机号码"))])
    political_status = SelectField(_l("政治面貌"), choices=_choices(POLITICAL_LABELS, ""), validators=[Optional()])
    education = SelectField(_l("学历"), choices=_choices(EDUCATION_LABELS, ""), validators=[Optional()])
    title = StringField(_l("职称"), validators=[Optional(), Length(max=64)])
    employer = StringField(_l("工作单位"), validators=[Optional(), Length(max=120)])
    position = StringField(_l("职务"), validators=[Optional(), Length(max=64)])
    region_code = RegionField(_l("居住或服务地区"))
    specialties = MultiCheckboxField(_l("业务专长（可多选）"), choices=_choices(SPECIALTY_LABELS))
    industries = MultiCheckboxField(_l("产业领域（可多选）"), choices=_choices(INDUSTRY_LABELS))
    work_mode = SelectField(_l("工作模式"), choices=_choices(WORK_MODE_LABELS))
    source = SelectField(_l("选聘来源"), choices=_choices(SOURCE_LABELS))
    is_remote = BooleanField(_l("可提供远程服务"))
    capacity = IntegerField(_l("同时服务主体数量上限"), default=5,
                            validators=[NumberRange(0, 100, message=_l("应在 0 到 100 之间"))])
    township_code = SelectField(_l("聘任单位"), validators=[Optional()])
    service_area_codes = SelectMultipleField(_l("服务区域（默认本部门辖区）"), validators=[Optional()])
    appointed_on = DateField(_l("聘任日期"), validators=[DataRequired(message=_l("请填写聘任日期"))])
    term_years = SelectField(_l("聘期"), choices=[(str(n), _l("%(n)d 年", n=n)) for n in range(1, 6)], default="3")



class CounselorEditForm(CounselorForm):
    """Editing a record: the ID number and phone are never sent to the browser; blank keeps the stored
    value, a new value replaces it."""

    id_number = StringField(_l("身份证号码"), validators=[Optional()])
    phone = StringField(_l("手机号码"), validators=[Optional()])


class LifecycleForm(FlaskForm):
    reason = TextAreaField(_l("原因"), validators=[Optional(), Length(max=500)])
    term_end = DateField(_l("新聘期结束日期（续聘时填写，默认三年）"), validators=[Optional()])


class PurposeForm(FlaskForm):
    reason = StringField(_l("用途"), validators=[DataRequired(message=_l("查看完整信息须填写用途")), Length(max=500)])


class AccountForm(FlaskForm):
    username = StringField(_l("登录用户名"), validators=[DataRequired(message=_l("请输入用户名")), Length(3, 64)])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("姓名、证书编号、身份证号或手机号"), validators=[Optional(), Length(max=64)])
    region_code = RegionField(_l("地区"), validators=[Optional()])
    specialty = FixedSelectField(_l("专长"), choices=_choices(SPECIALTY_LABELS, _l("全部专长")),
                                 validators=[Optional()])
    industry = FixedSelectField(_l("产业"), choices=_choices(INDUSTRY_LABELS, _l("全部产业")), validators=[Optional()])
    status = FixedSelectField(_l("状态"), choices=_choices(STATUS_LABELS, _l("全部状态")), validators=[Optional()])
    work_mode = FixedSelectField(_l("工作模式"), choices=_choices(WORK_MODE_LABELS, _l("全部模式")),
                                 validators=[Optional()])
    source = FixedSelectField(_l("来源"), choices=_choices(SOURCE_LABELS, _l("全部来源")), validators=[Optional()])
    sort = FixedSelectField(_l("排序"), choices=[("-updated_at", _l("最近更新")), ("name", _l("姓名")),
                                               ("-appointed_on", _l("聘任日期")), ("term_end", _l("聘期结束")),
                                               ("region", _l("地区"))], validators=[Optional()])


class OwnProfileForm(FlaskForm):
    phone = StringField(_l("手机号码"), validators=[DataRequired(message=_l("请填写手机号码"))])
    political_status = SelectField(_l("政治面貌"), choices=_choices(POLITICAL_LABELS, ""), validators=[Optional()])
    education = SelectField(_l("学历"), choices=_choices(EDUCATION_LABELS, ""), validators=[Optional()])
    title = StringField(_l("职称"), validators=[Optional(), Length(max=64)])
    employer = StringField(_l("工作单位"), validators=[Optional(), Length(max=120)])
    position = StringField(_l("职务"), validators=[Optional(), Length(max=64)])
    specialties = MultiCheckboxField(_l("业务专长（修改需聘任部门审核）"), choices=_choices(SPECIALTY_LABELS))
    industries = MultiCheckboxField(_l("产业领域（修改需聘任部门审核）"), choices=_choices(INDUSTRY_LABELS))
    capacity = IntegerField(_l("同时服务主体数量上限（修改需审核）"),
                            validators=[NumberRange(0, 100, message=_l("应在 0 到 100 之间"))])
    is_remote = BooleanField(_l("可提供远程服务（修改需审核）"))
    note = TextAreaField(_l("修改说明"), validators=[Optional(), Length(max=500)])


class ReviewForm(FlaskForm):
    decision = SelectField(_l("审核结果"), choices=[("approve", _l("通过")), ("reject", _l("不通过"))])
    note = TextAreaField(_l("审核意见"), validators=[Optional(), Length(max=500)])




class OffPlatformForm(FlaskForm):
    """Service done off the platform, as the appointing department records it (服务主体类型和数量)."""

    entity_type = SelectField(_l("主体类型"), validators=[DataRequired(message=_l("请选择主体类型"))])
    count = IntegerField(_l("服务主体数量"), validators=[
        InputRequired(message=_l("请填写服务主体数量")),
        NumberRange(1, 10_000, message=_l("服务主体数量须为 1 到 10000 之间的整数"))])
    year = IntegerField(_l("年度"), validators=[DataRequired(message=_l("请填写年度")),
                                              NumberRange(2000, 2100, message=_l("请填写正确的年度"))])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=500, message=_l("备注不能超过 500 字"))])

    def __init__(self, *args, **kwargs):
        from marketplace.entities.labels import TYPE_LABELS

        super().__init__(*args, **kwargs)
        self.entity_type.choices = [("", _l("请选择"))] + [(t.value, label) for t, label in TYPE_LABELS.items()]
