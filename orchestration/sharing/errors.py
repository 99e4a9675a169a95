"""What the sharing service answers when it refuses: an HTTP status and a message for the
caller that says what is wrong and what to do, never an internal detail."""

from __future__ import annotations

from orchestration.errors import CitybaseError


class SharingError(CitybaseError):
    status = 400
    ckan_type = "Validation Error"


class NotFound(SharingError):
    status = 404
    ckan_type = "Not Found Error"


class Forbidden(SharingError):
    status = 403
    ckan_type = "Authorization Error"


class Unauthenticated(Forbidden):
    status = 401


class Conflict(SharingError):
    status = 409


class TooManyRequests(SharingError):
    status = 429
    ckan_type = "Rate Limit Error"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
