"""Marshmallow's validation messages in Chinese, so API clients read the same language as the pages.

marshmallow has no translation hook, so its default messages are replaced once at import.
"""

from marshmallow import Schema, fields, validate

FIELD_MESSAGES = {
    fields.Field: {"required": "必填项", "null": "不能为空", "validator_failed": "取值无效"},
    fields.String: {"invalid": "应为文本", "invalid_utf8": "不是有效的 UTF-8 文本"},
    fields.Integer: {"invalid": "应为整数", "too_large": "数值过大"},
    fields.Email: {"invalid": "邮箱格式不正确"},
    fields.DateTime: {"invalid": "日期时间格式不正确"},
    fields.Boolean: {"invalid": "应为 true 或 false"},
    fields.Date: {"invalid": "日期格式不正确（应为 YYYY-MM-DD）"},
    fields.Decimal: {"invalid": "应为数字", "special": "应为数字"},
    fields.Float: {"invalid": "应为数字", "special": "应为数字"},
    fields.List: {"invalid": "应为列表"},
    fields.Nested: {"type": "应为对象"},
}
SCHEMA_MESSAGES = {"type": "输入类型不正确", "unknown": "未知字段"}


def localize() -> None:
    Schema._default_error_messages = {**Schema._default_error_messages, **SCHEMA_MESSAGES}
    for field_class, messages in FIELD_MESSAGES.items():
        field_class.default_error_messages = {**field_class.default_error_messages, **messages}
    validate.Length.message_min = "长度至少为 {min}"
    validate.Length.message_max = "长度至多为 {max}"
    validate.Length.message_all = "长度应在 {min} 到 {max} 之间"
    validate.Length.message_equal = "长度应为 {equal}"
    validate.OneOf.default_message = "必须是以下之一：{choices}"
    validate.Regexp.default_message = "格式不正确"
    validate.Range.message_min = "不能小于 {{min}}"  # Range formats twice (first the operator)
    validate.Range.message_max = "不能大于 {{max}}"
    validate.Range.message_all = "应在 {{min}} 到 {{max}} 之间"


localize()
