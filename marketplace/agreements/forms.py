"""Forms for agreements: the agreement with its items, the action buttons, acceptance, service records and
the officials' filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from marketplace.agreements.labels import (
    METHOD_LABELS,
    PROVIDER_LABELS,
    RECORD_KIND_LABELS,
    SATISFACTION_LABELS,
    STATUS_LABELS,
)
from marketplace.forms import RegionField, SubForm, VersionedForm, enum_choices
from marketplace.limits import AGREEMENT, ITEM, RECORD

A, IT = AGREEMENT, ITEM


class ItemForm(SubForm):
    """One service item. A row left entirely blank (the empty row the edit page adds for a new item) is
    skipped, not validated: see `is_blank`."""

    name = StringField(_l("服务项目"), validators=[DataRequired(message=_l("请填写服务项目名称")),
                                                IT["name"].wtforms()])
    method = SelectField(_l("服务方式"), choices=enum_choices(METHOD_LABELS))
    quantity = DecimalField(_l("数量"), places=2, default=1,
                            validators=[DataRequired(message=_l("请填写数量")), IT["quantity"].wtforms()])
    unit = StringField(_l("单位"), validators=[DataRequired(message=_l("请填写单位")), IT["unit"].wtforms()])
    unit_price = DecimalField(_l("单价（元）"), places=2, validators=[Optional(), IT["unit_price"].wtforms()])
    quality_standard = TextAreaField(_l("质量标准"), validators=[DataRequired(message=_l("请填写质量标准")),
                                                             IT["quality_standard"].wtforms()])
    acceptance_criterion = TextAreaField(_l("验收标准"), validators=[DataRequired(message=_l("请填写验收标准")),
                                                                 IT["acceptance_criterion"].wtforms()])
    deadline = DateField(_l("完成期限"), validators=[Optional()])
    offering_id = HiddenField()

    TYPED = ("name", "unit", "unit_price", "quality_standard", "acceptance_criterion", "deadline")

    def is_blank(self) -> bool:
        """Nothing typed in the row (its quantity and method keep their defaults)."""
        return not any((getattr(self, name).raw_data or [""])[0].strip() for name in self.TYPED)

    def validate(self, extra_validators=None) -> bool:
        if self.is_blank():
            return True
        return super().validate(extra_validators)


class AgreementForm(VersionedForm, FlaskForm):
    title = StringField(_l("协议名称"), validators=[DataRequired(message=_l("请填写协议名称")), A["title"].wtforms()])
    entity_address = StringField(_l("甲方地址"), validators=[Optional(), A["entity_address"].wtforms()])
    entity_representative = StringField(_l("甲方代表人"), validators=[Optional(), A["entity_representative"].wtforms()])
    entity_phone = StringField(_l("甲方电话"), validators=[Optional(), A["entity_phone"].wtforms()])
    provider_address = StringField(_l("乙方地址"), validators=[Optional(), A["provider_address"].wtforms()])
    provider_representative = StringField(_l("乙方代表人"),
                                          validators=[Optional(), A["provider_representative"].wtforms()])
    provider_phone = StringField(_l("乙方电话"), validators=[Optional(), A["provider_phone"].wtforms()])
    term_start = DateField(_l("协议期限自"), validators=[DataRequired(message=_l("请填写协议期限"))])
    term_end = DateField(_l("至"), validators=[DataRequired(message=_l("请填写协议期限"))])
    liability = TextAreaField(_l("违约责任"), validators=[DataRequired(message=_l("请填写违约责任")),
                                                      A["liability"].wtforms()])
    dispute_resolution = TextAreaField(_l("争议解决"), validators=[DataRequired(message=_l("请填写争议解决方式")),
                                                               A["dispute_resolution"].wtforms()])
    items = FieldList(FormField(ItemForm), min_entries=1, max_entries=30)


class ActionForm(FlaskForm):
    reason = TextAreaField(_l("原因或说明"), validators=[Optional(), Length(max=2000)])
    outcome = TextAreaField(_l("违约责任处理结果 / 调解结果"), validators=[Optional(), Length(max=2000)])
    result = SelectField(_l("调解结论"), choices=[("resume", _l("继续履行")), ("terminate", _l("解除协议（违约终止）")),
                                              ("close", _l("协议完结"))], validators=[Optional()])
    content_hash = HiddenField()


class PurposeForm(FlaskForm):
    reason = StringField(_l("用途"), validators=[DataRequired(message=_l("查看完整电话号码须填写用途")),
                                                 Length(max=500)])


class AcceptanceForm(FlaskForm):
    """The per-item results come as item-<id>-result / item-<id>-comment / item-<id>-photos fields."""

    satisfaction = RadioField(_l("满意度"), choices=[(str(k), f"{k} {v}") for k, v in SATISFACTION_LABELS.items()],
                              validators=[Optional()])
    comment = TextAreaField(_l("评价"), validators=[Optional(), Length(max=2000)])


class RecordForm(FlaskForm):
    served_on = DateField(_l("服务日期"), validators=[DataRequired(message=_l("请填写服务日期"))])
    kind = SelectField(_l("服务类型"), choices=enum_choices(RECORD_KIND_LABELS))
    content = TextAreaField(_l("服务内容"), validators=[DataRequired(message=_l("请填写服务内容")),
                                                     RECORD["content"].wtforms()])
    participants = StringField(_l("参加人员"), validators=[Optional(), RECORD["participants"].wtforms()])
    place = StringField(_l("地点"), validators=[Optional(), RECORD["place"].wtforms()])
    corrects_id = IntegerField(validators=[Optional()])
    files = MultipleFileField(_l("照片和文件（可多选）"))


class OfferingAgreementForm(FlaskForm):
    need_id = SelectField(_l("为哪项需求购买"), coerce=int)
    offering_id = IntegerField(validators=[DataRequired()])


class AgreementFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("编号、名称或当事方"), validators=[Optional(), Length(max=64)])
    region_code = RegionField(_l("地区"), validators=[Optional()])
    status = SelectField(_l("状态"), choices=enum_choices(STATUS_LABELS, _l("全部状态")), validators=[Optional()])
    provider_kind = SelectField(_l("服务方"), choices=enum_choices(PROVIDER_LABELS, _l("全部服务方")),
                                validators=[Optional()])
    overdue = SelectField(_l("逾期"), choices=[("", _l("不限")), ("delivery", _l("逾期未交付")),
                                             ("acceptance", _l("逾期未验收"))], validators=[Optional()])
