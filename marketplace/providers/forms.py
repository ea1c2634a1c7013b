"""Forms of the provider pages: answering a review, hiding one, a message in a question thread."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from marketplace.providers.services import REASON_MAX, REPLY_MAX
from marketplace.providers.threads import MAX_LENGTH


class ReplyForm(FlaskForm):
    reply = TextAreaField(_l("回复评价"), validators=[DataRequired(message=_l("请填写回复")),
                                                   Length(max=REPLY_MAX, message=_l("回复最多 300 字"))])


class HideForm(FlaskForm):
    reason = TextAreaField(_l("隐藏原因"), validators=[DataRequired(message=_l("请填写隐藏的原因")),
                                                   Length(max=REASON_MAX, message=_l("原因最多 200 字"))])


class MessageForm(FlaskForm):
    body = TextAreaField(_l("留言"), validators=[DataRequired(message=_l("请填写内容")),
                                               Length(max=MAX_LENGTH, message=_l("留言最多 300 字"))])
