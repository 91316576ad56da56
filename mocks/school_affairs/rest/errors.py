"""The one error the mock provider's handlers raise: an HTTP status with its imsx minor code."""

from __future__ import annotations


class ApiError(Exception):
    """Answered as an ``imsx_StatusInfo`` payload (``rest.status_info``) with ``status``."""

    def __init__(self, status: int, minor: str, description: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.minor = minor
        self.description = description
        self.headers = headers or {}
