from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from marketplace.directory.forms import MultiCheckboxField
from marketplace.directory.labels import INDUSTRY_LABELS
from marketplace.entities.labels import CLAIM_STATUS_LABELS, MODEL_LEVEL_LABELS, TYPE_LABELS, VERIFICATION_LABELS
from marketplace.forms import RegionField, VersionedForm
from marketplace.timeutil import local_today


def _choices(labels: dict, blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(str(k.value), v) for k, v in labels.items()]
    return [("", blank), *choices] if blank is not None else choices


class EntityForm(VersionedForm, FlaskForm):
    type = SelectField(_l("主体类型"), choices=_choices(TYPE_LABELS))
    name = StringField(_l("主体名称"), validators=[DataRequired(message=_l("请填写主体名称")), Length(max=120)])
    credit_code = StringField(_l("统一社会信用代码（家庭农场可不填）"), validators=[Optional(), Length(max=24)])
    legal_representative = StringField(_l("法定代表人或经营者"), validators=[
        DataRequired(message=_l("请填写法定代表人或经营者")), Length(max=64)])
    contact_phone = StringField(_l("联系电话"), validators=[DataRequired(message=_l("请填写联系电话"))])
    region_code = RegionField(_l("所在地区（到乡镇）"))
    address = StringField(_l("详细地址"), validators=[Optional(), Length(max=200)])
    industries = MultiCheckboxField(_l("主营产业（可多选）"), choices=_choices(INDUSTRY_LABELS))
    members = IntegerField(_l("成员数"), validators=[Optional(), NumberRange(0, 10_000_000)])
    area_mu = DecimalField(_l("经营面积（亩）"), places=2, validators=[Optional(), NumberRange(0, 10_000_000)])
    livestock_head = IntegerField(_l("畜禽存栏（头/只）"), validators=[Optional(), NumberRange(0, 10_000_000)])
    model_level = SelectField(_l("示范等级"), choices=_choices(MODEL_LEVEL_LABELS))
    founded_year = IntegerField(_l("成立年份"), validators=[
        Optional(), NumberRange(1949, local_today().year + 1, message=_l("成立年份不正确"))])


class VerifyForm(FlaskForm):
    decision = SelectField(_l("核实结果"), choices=[("verify", _l("核实通过")), ("correct", _l("需要更正"))])
    note = TextAreaField(_l("说明（需要更正时必填）"), validators=[Optional(), Length(max=500)])


class EntityFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("名称或信用代码"), validators=[Optional(), Length(max=64)])
    region_code = RegionField(_l("地区"), validators=[Optional()])
    type = SelectField(_l("类型"), choices=_choices(TYPE_LABELS, _l("全部类型")), validators=[Optional()])
    status = SelectField(_l("核实状态"), choices=_choices(VERIFICATION_LABELS, _l("全部状态")),
                         validators=[Optional()])
    industry = SelectField(_l("产业"), choices=[("", _l("全部产业")),
                                              *[(str(int(k)), v) for k, v in INDUSTRY_LABELS.items()]],
                           validators=[Optional()])


class ClaimForm(FlaskForm):
    """Look up a department-held entity (credit code, or name + township for a family farm without one) and
    claim it with the legal representative's name and the contact phone as proof."""

    credit_code = StringField(_l("统一社会信用代码"), validators=[Optional(), Length(max=24)])
    name = StringField(_l("主体名称（没有信用代码的家庭农场填写）"), validators=[Optional(), Length(max=120)])
    region_code = RegionField(_l("所在乡镇（没有信用代码的家庭农场填写）"), validators=[Optional()])
    legal_representative = StringField(_l("法定代表人或经营者姓名"), validators=[Optional(), Length(max=64)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional()])
    note = TextAreaField(_l("补充说明（可不填）"), validators=[Optional(), Length(max=500)])


class RejectClaimForm(FlaskForm):
    reason = TextAreaField(_l("驳回原因"), validators=[Optional(), Length(max=500)])


class ClaimFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("主体名称"), validators=[Optional(), Length(max=64)])
    region_code = RegionField(_l("地区"), validators=[Optional()])
    status = SelectField(_l("状态"), choices=_choices(CLAIM_STATUS_LABELS, _l("全部状态")), validators=[Optional()])


class PurposeForm(FlaskForm):
    purpose = StringField(_l("用途"), validators=[DataRequired(message=_l("查看完整联系电话须填写用途")),
                                                 Length(max=500)])
