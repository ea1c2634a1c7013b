from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from marketplace.auth.forms import PHONE, USERNAME
from marketplace.forms import RegionField


class CreateAccountForm(FlaskForm):
    role = SelectField(_l("账户类型"))
    region_code = RegionField(_l("所属地区"))
    department_name = StringField(_l("部门名称（新部门时填写，可留空用默认名称）"),
                                  validators=[Optional(), Length(max=120)])
    username = StringField(_l("用户名"), validators=USERNAME)
    display_name = StringField(_l("姓名"), validators=[DataRequired(message=_l("请输入姓名")), Length(max=64)])
    phone = StringField(_l("手机号码"), validators=PHONE)
    email = EmailField(_l("电子邮箱"), validators=[Optional(), Email(message=_l("邮箱格式不正确"))])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("原因"), validators=[DataRequired(message=_l("请填写原因")), Length(max=500)])


class AccountSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("用户名或姓名"), validators=[Optional(), Length(max=64)])
    role = SelectField(_l("类型"), validators=[Optional()])
    status = SelectField(_l("状态"), choices=[("", _l("全部状态")), ("enabled", _l("启用")),
                                             ("disabled", _l("停用")), ("locked", _l("登录受限"))],
                         validators=[Optional()])
