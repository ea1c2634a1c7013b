from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

from marketplace.forms import RegionField

USERNAME = [DataRequired(message=_l("请输入用户名")), Length(3, 64, message=_l("用户名长度为 3–64 位")),
            Regexp(r"^[A-Za-z0-9_.@-]+$", message=_l("用户名只能包含字母、数字和 _ . @ -"))]
PHONE = [Optional(), Regexp(r"^1[3-9]\d{9}$", message=_l("请输入 11 位手机号码"))]


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(message=_l("请输入用户名"))])
    password = PasswordField(_l("密码"), validators=[DataRequired(message=_l("请输入密码"))])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired(message=_l("请输入当前密码"))])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(message=_l("请输入新密码"))])
    confirm = PasswordField(_l("确认新密码"), validators=[
        DataRequired(message=_l("请再次输入新密码")), EqualTo("new_password", message=_l("两次输入的密码不一致"))])


class RegisterForm(FlaskForm):
    role = SelectField(_l("账户类型"), choices=[("operator", _l("经营主体（合作社、联合社、家庭农场）")),
                                                ("center_staff", _l("服务中心工作人员"))])
    username = StringField(_l("用户名"), validators=USERNAME)
    display_name = StringField(_l("姓名"), validators=[DataRequired(message=_l("请输入姓名")), Length(max=64)])
    phone = StringField(_l("手机号码"), validators=[DataRequired(message=_l("请输入手机号码")), *PHONE[1:]])
    email = EmailField(_l("电子邮箱（选填）"), validators=[Optional(), Email(message=_l("邮箱格式不正确"))])
    region_code = RegionField(_l("所在地区（县或乡镇）"), depth=4)
    password = PasswordField(_l("密码"), validators=[DataRequired(message=_l("请输入密码"))])
    confirm = PasswordField(_l("确认密码"), validators=[
        DataRequired(message=_l("请再次输入密码")), EqualTo("password", message=_l("两次输入的密码不一致"))])


class ConfirmPasswordForm(FlaskForm):
    """Changes to one's own second factor ask for the password again (ASVS 2.x re-authentication)."""

    password = PasswordField(_l("当前密码"), validators=[DataRequired(message=_l("请输入当前密码"))])


class TwoFactorForm(FlaskForm):
    code = StringField(_l("验证码"), validators=[DataRequired(message=_l("请输入验证码")), Length(max=32)])
