"""Errors a delivery can raise. Each names the file and what is wrong with it."""

from orchestration.errors import CitybaseError


class DeliveryError(CitybaseError, RuntimeError):
    """The delivery cannot be loaded at all (unreadable, truncated, missing a required column)."""

    def __init__(self, file: str, problem: str):
        super().__init__(f"{file}: {problem}")
        self.file = file
        self.problem = problem


class DeliveryMissing(DeliveryError):
    """Nothing was delivered where the contract says the delivery will be."""


class SourceUnavailable(DeliveryError):
    """The source did not answer (a timeout, HTTP 5xx, a database that refuses connections):
    worth trying again later, unlike a delivery that arrived broken."""
