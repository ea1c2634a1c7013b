"""Domain errors raised by services; views turn them into a flashed message, the API into JSON."""

from __future__ import annotations


class DomainError(Exception):
    """A refused action. `message` is already translated, for the user to read."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"
