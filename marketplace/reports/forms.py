"""Forms of the reporting pages (Chinese messages)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.forms import enum_choices
from marketplace.reports.labels import KIND_LABELS
from marketplace.reports.models import PeriodKind
from marketplace.reports.services import MAX_TEXT, MIN_YEAR, ReportInput
from marketplace.timeutil import local_today

TEXT_LIMIT = Length(max=MAX_TEXT, message=_l("最多 %(n)d 字", n=MAX_TEXT))


class ReportForm(FlaskForm):
    period_kind = SelectField(_l("报告类型"), choices=lambda: enum_choices(KIND_LABELS),
                              default=PeriodKind.YEAR.value)
    year = IntegerField(_l("年度"), default=lambda: local_today().year - 1, validators=[
        InputRequired(message=_l("请填写年度")),
        NumberRange(min=MIN_YEAR, max=2100, message=_l("年度应在 %(low)d 至今年之间", low=MIN_YEAR))])
    period_no = SelectField(_l("期次"), default="1", choices=[
        ("1", _l("第1期（第一季度 / 上半年 / 全年）")), ("2", _l("第2期（第二季度 / 下半年）")),
        ("3", _l("第3期（第三季度）")), ("4", _l("第4期（第四季度）"))])
    practices = TextAreaField(_l("经验做法与工作进展"), validators=[Optional(), TEXT_LIMIT])
    problems = TextAreaField(_l("存在问题"), validators=[Optional(), TEXT_LIMIT])
    suggestions = TextAreaField(_l("意见建议"), validators=[Optional(), TEXT_LIMIT])

    def to_input(self) -> ReportInput:
        return ReportInput(period_kind=PeriodKind(self.period_kind.data), year=self.year.data,
                           period_no=int(self.period_no.data), practices=self.practices.data or "",
                           problems=self.problems.data or "", suggestions=self.suggestions.data or "")

    def load(self, report) -> None:
        self.period_kind.data, self.year.data = report.period_kind.value, report.year
        self.period_no.data = str(report.period_no)
        self.practices.data, self.problems.data = report.practices, report.problems
        self.suggestions.data = report.suggestions


class CaseForm(FlaskForm):
    agreement_id = SelectField(_l("关联的服务协议（已验收）"), coerce=str, validate_choice=False)
    title = StringField(_l("案例标题"), validators=[DataRequired(message=_l("请填写案例标题")),
                                                Length(max=120, message=_l("案例标题最多 120 字"))])
    body = TextAreaField(_l("案例内容"), validators=[DataRequired(message=_l("请填写案例内容")), TEXT_LIMIT])


class PhotoForm(FlaskForm):
    photo = FileField(_l("照片（JPEG 或 PNG）"))
    caption = StringField(_l("照片说明"), validators=[Optional(), Length(max=120, message=_l("照片说明最多 120 字"))])


class AttachmentForm(FlaskForm):
    file = FileField(_l("附件（PDF、Word、Excel、图片）"))


class CommentForm(FlaskForm):
    body = TextAreaField(_l("意见"), validators=[DataRequired(message=_l("请填写意见内容")),
                                               Length(max=2000, message=_l("意见最多 2000 字"))])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("意见"), validators=[Optional(), Length(max=2000, message=_l("意见最多 2000 字"))])


class OverviewForm(FlaskForm):
    """The overview's period filter (GET, no CSRF)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("报告类型"), choices=lambda: enum_choices(KIND_LABELS), default=PeriodKind.YEAR.value)
    year = IntegerField(_l("年度"), validators=[Optional(), NumberRange(min=MIN_YEAR, max=2100)])
    number = IntegerField(_l("期次"), validators=[Optional(), NumberRange(min=1, max=4)])
