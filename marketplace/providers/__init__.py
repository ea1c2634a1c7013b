"""Provider pages (服务方主页): a counselor's or a service center's public face and record on the platform, the
reviews given at acceptance (with the provider's one answer and officials' hiding of abusive ones), and the
short question threads an operator opens with a candidate before inviting."""
