from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from marketplace.forms import MultiCheckboxField
from marketplace.notifications.events import EVENTS


class SmsSettingsForm(FlaskForm):
    sms_events = MultiCheckboxField(_l("以短信通知我的消息"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sms_events.choices = [(key, str(label) + ("（" + str(_l("立即发送")) + "）" if urgent
                                                       else "（" + str(_l("汇总发送")) + "）"))
                                   for key, (label, urgent) in EVENTS.items()]
