"""Forms of the evaluation pages (Chinese messages)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.entities.models import ModelLevel
from marketplace.evaluation.models import EvaluationKind, Grade
from marketplace.evaluation.services import GRADE_LABELS, KIND_LABELS
from marketplace.timeutil import local_today

LEVEL_CHOICES = [("", _l("未记录")), ("none", _l("非示范")), ("county", _l("县级示范")), ("city", _l("市级示范")),
                 ("province", _l("省级示范")), ("national", _l("国家级示范"))]


def _weight(label):
    return IntegerField(label, validators=[InputRequired(message=_l("请填写权重")),
                                           NumberRange(min=0, max=100, message=_l("权重须在 0–100 之间"))])


def _threshold(label):
    return IntegerField(label, validators=[InputRequired(message=_l("请填写分数线")),
                                           NumberRange(min=0, max=100, message=_l("分数线须在 0–100 之间"))])


def _marks(label):
    return IntegerField(label, validators=[InputRequired(message=_l("请填写满分标准")),
                                           NumberRange(min=1, max=100000, message=_l("满分标准须为正整数"))])


class SchemeForm(FlaskForm):
    quantity = _weight(_l("服务数量权重"))
    quality = _weight(_l("服务对象质量提升权重"))
    satisfaction = _weight(_l("主体满意度权重"))
    training = _weight(_l("岗位培训权重"))
    center_service = _weight(_l("服务中心：服务质量权重"))
    center_standard = _weight(_l("服务中心：规范运营权重"))
    center_satisfaction = _weight(_l("服务中心：主体满意度权重"))
    excellent = _threshold(_l("优秀分数线"))
    qualified = _threshold(_l("合格分数线"))
    basic = _threshold(_l("基本合格分数线"))
    needs_taken = _marks(_l("承接需求数满分标准"))
    agreements_accepted = _marks(_l("通过验收协议数满分标准"))
    service_records = _marks(_l("服务记录数满分标准"))
    entities_served = _marks(_l("服务主体数满分标准"))
    center_agreements_accepted = _marks(_l("服务中心通过验收协议数满分标准"))
    training_hours = _marks(_l("年度培训学时满分标准"))

    def load(self, weights: dict, thresholds: dict, full_marks: dict) -> None:
        for key in ("quantity", "quality", "satisfaction", "training"):
            getattr(self, key).data = weights["counselor"].get(key, 0)
        for key in ("service", "standard", "satisfaction"):
            getattr(self, f"center_{key}").data = weights["center"][key]
        for key in ("excellent", "qualified", "basic"):
            getattr(self, key).data = thresholds[key]
        for key in ("needs_taken", "agreements_accepted", "service_records", "entities_served",
                    "center_agreements_accepted", "training_hours"):
            getattr(self, key).data = full_marks[key]

    def values(self) -> tuple[dict, dict, dict]:
        weights = {"counselor": {k: self[k].data for k in ("quantity", "quality", "satisfaction", "training")},
                   "center": {k: self[f"center_{k}"].data for k in ("service", "standard", "satisfaction")}}
        thresholds = {k: self[k].data for k in ("excellent", "qualified", "basic")}
        marks = {k: self[k].data for k in ("needs_taken", "agreements_accepted", "service_records", "entities_served",
                                           "center_agreements_accepted", "training_hours")}
        return weights, thresholds, marks


class RunForm(FlaskForm):
    subject = SelectField(_l("评价对象"), choices=[("counselor", _l("本部门聘任的辅导员")),
                                                   ("center", _l("辖区内已备案的服务中心"))])
    year = IntegerField(_l("评价年度"), default=lambda: local_today().year - 1,
                        validators=[InputRequired(message=_l("请填写评价年度")),
                                    NumberRange(min=2000, max=2100, message=_l("评价年度无效"))])
    kind = SelectField(_l("评价类型"), choices=[(k.value, label) for k, label in KIND_LABELS.items()])


class AdjustForm(FlaskForm):
    grade = SelectField(_l("调整后的等级"), choices=[("", _l("恢复为计算结果"))] +
                        [(g.value, label) for g, label in GRADE_LABELS.items()], validators=[Optional()])
    reason = TextAreaField(_l("调整理由"), validators=[DataRequired(message=_l("调整评价结果须填写理由")),
                                                    Length(max=1000, message=_l("理由不能超过 1000 字"))])

    def grade_value(self) -> Grade | None:
        return Grade(self.grade.data) if self.grade.data else None


class ImprovementForm(FlaskForm):
    entity_id = IntegerField(_l("经营主体编号"), validators=[InputRequired(message=_l("请填写经营主体编号"))])
    year = IntegerField(_l("年度"), default=lambda: local_today().year - 1,
                        validators=[InputRequired(message=_l("请填写年度")),
                                    NumberRange(min=2000, max=2100, message=_l("年度无效"))])
    model_level_before = SelectField(_l("服务前示范等级"), choices=LEVEL_CHOICES, validators=[Optional()])
    model_level_after = SelectField(_l("服务后示范等级"), choices=LEVEL_CHOICES, validators=[Optional()])
    checklist_before = IntegerField(_l("服务前规范化检查得分"), validators=[
        Optional(), NumberRange(min=0, max=100, message=_l("得分须在 0–100 之间"))])
    checklist_after = IntegerField(_l("服务后规范化检查得分"), validators=[
        Optional(), NumberRange(min=0, max=100, message=_l("得分须在 0–100 之间"))])
    revenue_before = DecimalField(_l("服务前经营收入（万元）"), validators=[
        Optional(), NumberRange(min=0, message=_l("收入不能为负数"))])
    revenue_after = DecimalField(_l("服务后经营收入（万元）"), validators=[
        Optional(), NumberRange(min=0, message=_l("收入不能为负数"))])
    members_before = IntegerField(_l("服务前成员数"), validators=[
        Optional(), NumberRange(min=0, message=_l("成员数不能为负数"))])
    members_after = IntegerField(_l("服务后成员数"), validators=[
        Optional(), NumberRange(min=0, message=_l("成员数不能为负数"))])
    note = StringField(_l("说明"), validators=[Optional(), Length(max=500, message=_l("说明不能超过 500 字"))])

    def values(self) -> dict:
        def level(field):
            return ModelLevel(field.data) if field.data else None

        return {"model_level_before": level(self.model_level_before),
                "model_level_after": level(self.model_level_after),
                "checklist_before": self.checklist_before.data, "checklist_after": self.checklist_after.data,
                "revenue_before": self.revenue_before.data, "revenue_after": self.revenue_after.data,
                "members_before": self.members_before.data, "members_after": self.members_after.data,
                "note": self.note.data or None}


KINDS = [k.value for k in EvaluationKind]
