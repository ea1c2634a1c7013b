"""Tracebacks in the logs without personal data: SQLAlchemy hides bound parameters (`hide_parameters`), but a
PostgreSQL error's own DETAIL line repeats the values ("Failing row contains (…, 13912345678, …)", "Key
(phone)=(…) already exists"). Every log record that carries an exception has those lines replaced."""

from __future__ import annotations

import logging
import re

DETAIL = re.compile(r"(?m)^(\s*)DETAIL:.*$")
_installed = False


def redact(text: str) -> str:
    return DETAIL.sub(r"\1DETAIL: (hidden: it may hold personal data)", text)


def install() -> None:
    """Wrap the log-record factory once per process (every logger and handler, including test captures)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
