"""Forms of the training pages (Chinese messages)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.directory.labels import SPECIALTY_LABELS
from marketplace.forms import enum_choices
from marketplace.training.labels import AUDIENCE_LABELS, MODE_LABELS
from marketplace.training.models import Audience, TrainingMode
from marketplace.training.services import MAX_CAPACITY, MAX_HOURS, TrainingInput


def _specialty_choices() -> list[tuple[str, str]]:
    return [("", _l("自定专题（在下栏填写）")), *((str(int(k)), v) for k, v in SPECIALTY_LABELS.items())]


class TrainingForm(FlaskForm):
    title = StringField(_l("培训名称"), validators=[DataRequired(message=_l("请填写培训名称")),
                                                  Length(max=120, message=_l("培训名称最多 120 字"))])
    topic_specialty = SelectField(_l("培训专题"), choices=_specialty_choices, validate_choice=True, default="")
    topic = StringField(_l("自定专题"), validators=[Optional(), Length(max=120, message=_l("专题最多 120 字"))])
    starts_on = DateField(_l("开始日期"), validators=[InputRequired(message=_l("请填写开始日期"))],
                          format="%Y-%m-%d")
    ends_on = DateField(_l("结束日期"), validators=[InputRequired(message=_l("请填写结束日期"))], format="%Y-%m-%d")
    mode = SelectField(_l("培训方式"), choices=lambda: enum_choices(MODE_LABELS), default=TrainingMode.OFFLINE.value)
    place = StringField(_l("培训地点"), validators=[Optional(), Length(max=200, message=_l("地点最多 200 字"))])
    hours = DecimalField(_l("学时"), places=1, validators=[
        InputRequired(message=_l("请填写学时")),
        NumberRange(min=0.5, max=float(MAX_HOURS), message=_l("学时应在 0.5 至 %(max)s 之间", max=MAX_HOURS))])
    organiser = StringField(_l("承办单位"), validators=[DataRequired(message=_l("请填写承办单位")),
                                                     Length(max=120, message=_l("承办单位最多 120 字"))])
    capacity = IntegerField(_l("人数上限"), default=50, validators=[
        InputRequired(message=_l("请填写人数上限")),
        NumberRange(min=1, max=MAX_CAPACITY, message=_l("人数上限应在 1 至 %(max)d 之间", max=MAX_CAPACITY))])
    audience = SelectField(_l("参训范围"), choices=lambda: enum_choices(AUDIENCE_LABELS),
                           default=Audience.OWN.value)
    description = TextAreaField(_l("培训内容"), validators=[Optional(), Length(max=4000,
                                                                           message=_l("培训内容最多 4000 字"))])

    def to_input(self) -> TrainingInput:
        return TrainingInput(title=self.title.data, starts_on=self.starts_on.data, ends_on=self.ends_on.data,
                             mode=TrainingMode(self.mode.data), hours=self.hours.data,
                             organiser=self.organiser.data, capacity=self.capacity.data,
                             audience=Audience(self.audience.data),
                             topic_specialty=int(self.topic_specialty.data) if self.topic_specialty.data else None,
                             topic=self.topic.data, place=self.place.data, description=self.description.data)

    def load(self, training) -> None:
        self.title.data, self.starts_on.data, self.ends_on.data = training.title, training.starts_on, training.ends_on
        self.mode.data, self.hours.data, self.organiser.data = training.mode.value, training.hours, training.organiser
        self.capacity.data, self.audience.data = training.capacity, training.audience.value
        self.topic_specialty.data = str(training.topic_specialty) if training.topic_specialty else ""
        self.topic.data, self.place.data, self.description.data = training.topic, training.place, training.description


class NumbersForm(FlaskForm):
    numbers = TextAreaField(_l("聘任证书编号"), validators=[DataRequired(message=_l("请填写至少一个证书编号")),
                                                        Length(max=20000, message=_l("内容过长"))])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("原因"), validators=[Optional(), Length(max=1000, message=_l("原因最多 1000 字"))])
