"""Domain errors raised by services; views turn them into a flashed message, the API into JSON."""

from __future__ import annotations


class DomainError(Exception):
    """A refused action. `message` is already translated, for the user to read."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, field: str | None = None, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        # Every refused field's message (a form shows each beside its field); the first is `message`.
        self.errors: dict[str, str] = errors or ({field: message} if field else {})


class NotAllowed(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


def raise_if_errors(errors: dict[str, str]) -> None:
    """Refuse with every field's message when there are any (the first becomes the error's own)."""
    if errors:
        field, message = next(iter(errors.items()))
        raise DomainError(message, field=field, errors=errors)
