"""Forms of the award pages (Chinese messages)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from marketplace.awards.services import MAX_REASON


class NominationForm(FlaskForm):
    """Choose one of the eligible counselors or centers (`subject:id`) and give the reason."""

    candidate = SelectField(_l("提名对象"), choices=[], validate_choice=False,
                            validators=[DataRequired(message=_l("请选择提名对象"))])
    reason = TextAreaField(_l("推荐理由"), validators=[
        DataRequired(message=_l("请填写推荐理由")),
        Length(max=MAX_REASON, message=_l("推荐理由最多 %(n)d 字", n=MAX_REASON))])


class ActionForm(FlaskForm):
    text = TextAreaField(_l("意见"), validators=[Optional(), Length(max=MAX_REASON,
                                                                  message=_l("意见最多 %(n)d 字", n=MAX_REASON))])
