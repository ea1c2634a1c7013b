from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from marketplace.directory.labels import INDUSTRY_LABELS, SPECIALTY_LABELS
from marketplace.forms import RegionField, VersionedForm
from marketplace.limits import NEED
from marketplace.needs.labels import MODE_LABELS, STATUS_LABELS, URGENCY_LABELS


def _flags(labels: dict, blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(str(int(k)), v) for k, v in labels.items()]
    return [("", blank), *choices] if blank is not None else choices


def _values(labels: dict, blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(k.value, v) for k, v in labels.items()]
    return [("", blank), *choices] if blank is not None else choices


class NeedForm(VersionedForm, FlaskForm):
    entity_id = SelectField(_l("发布主体"), coerce=int)
    category = SelectField(_l("需求类别"), choices=_flags(SPECIALTY_LABELS, _l("请选择")),
                           validators=[DataRequired(message=_l("请选择需求类别"))])
    industry = SelectField(_l("产业"), choices=_flags(INDUSTRY_LABELS, _l("不限")), validators=[Optional()])
    title = StringField(_l("需求标题"), validators=[DataRequired(message=_l("请填写需求标题")),
                                                NEED["title"].wtforms()])
    description = TextAreaField(_l("需求描述"), validators=[DataRequired(message=_l("请描述需求")),
                                                         NEED["description"].wtforms()])
    region_code = RegionField(_l("服务地点（默认主体所在地）"), validators=[Optional()])
    urgency = RadioField(_l("紧急程度"), choices=_values(URGENCY_LABELS), default="normal")
    mode = RadioField(_l("服务方式"), choices=_values(MODE_LABELS), default="on_site")
    budget = DecimalField(_l("预算（元，可不填）"), places=2, validators=[Optional(), NEED["budget"].wtforms()])
    start_on = DateField(_l("期望开始日期"), validators=[Optional()])
    end_on = DateField(_l("期望完成日期"), validators=[Optional()])
    publish = BooleanField(_l("立即发布（不勾选则保存为草稿）"), default=True)


class NeedActionForm(FlaskForm):
    reason = TextAreaField(_l("原因"), validators=[Optional(), Length(max=500)])


class InviteForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    candidate_id = IntegerField(validators=[DataRequired()])


class AnswerForm(FlaskForm):
    decision = HiddenField(validators=[Optional()])
    reason = StringField(_l("原因（谢绝时必填）"), validators=[Optional(), Length(max=500)])


class NeedFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("标题"), validators=[Optional(), Length(max=64)])
    region_code = RegionField(_l("地区"), validators=[Optional()])
    status = SelectField(_l("状态"), choices=_values(STATUS_LABELS, _l("全部状态")), validators=[Optional()])
    category = SelectField(_l("类别"), choices=_flags(SPECIALTY_LABELS, _l("全部类别")), validators=[Optional()])
    industry = SelectField(_l("产业"), choices=_flags(INDUSTRY_LABELS, _l("全部产业")), validators=[Optional()])
    urgency = SelectField(_l("紧急程度"), choices=_values(URGENCY_LABELS, _l("全部")), validators=[Optional()])
