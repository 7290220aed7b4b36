"""The one error the e-mail channel raises, saying whether a retry may succeed."""

from __future__ import annotations


class MailError(Exception):
    """An e-mail was not sent. ``temporary``: the caller should retry later; else give up."""

    def __init__(self, message: str, *, temporary: bool) -> None:
        super().__init__(message)
        self.temporary = temporary
