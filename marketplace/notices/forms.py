"""Forms of the notice pages (Chinese messages)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from marketplace.forms import MultiCheckboxField, enum_choices
from marketplace.notices.labels import KIND_LABELS
from marketplace.notices.models import RecipientKind
from marketplace.notices.services import MAX_BODY, MAX_TITLE, NoticeInput


class NoticeForm(FlaskForm):
    title = StringField(_l("标题"), validators=[DataRequired(message=_l("请填写标题")),
                                              Length(max=MAX_TITLE, message=_l("标题最多 %(n)d 字", n=MAX_TITLE))])
    body = TextAreaField(_l("正文"), validators=[DataRequired(message=_l("请填写正文")),
                                               Length(max=MAX_BODY, message=_l("正文最多 %(n)d 字", n=MAX_BODY))])
    kinds = MultiCheckboxField(_l("接收对象（可多选）"), choices=lambda: enum_choices(KIND_LABELS),
                               validators=[DataRequired(message=_l("请至少选择一类接收对象"))])
    is_public = BooleanField(_l("同时在公开页面发布（不含个人信息）"))

    def to_input(self) -> NoticeInput:
        return NoticeInput(title=self.title.data, body=self.body.data,
                           kinds=[RecipientKind(v) for v in self.kinds.data or []], is_public=self.is_public.data)

    def load(self, notice) -> None:
        self.title.data, self.body.data = notice.title, notice.body
        self.kinds.data, self.is_public.data = [k.value for k in notice.kinds], notice.is_public


class AttachmentForm(FlaskForm):
    file = FileField(_l("附件（PDF、Word、Excel、图片）"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("原因"), validators=[Optional(), Length(max=1000, message=_l("原因最多 1000 字"))])
