"""Domain errors raised by services and turned into one error shape by the API and the screens."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass
class DomainError(Exception):
    """Input a person must correct. ``errors`` name the fields; nothing was stored."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)
    status: int = 400
    extra: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.detail


class InvalidInput(DomainError):
    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail=detail, errors=errors or [], status=422)


class Conflict(DomainError):
    def __init__(self, detail: str, errors: list[FieldError] | None = None, **extra: object) -> None:
        super().__init__(detail=detail, errors=errors or [], status=409, extra=dict(extra))


class NotFound(DomainError):
    """Also what a record outside the caller's jurisdiction looks like."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail=detail or gettext("Not found."), errors=[], status=404)


class FileRejected(Exception):
    """A data file with errors: every problem with its line, and nothing loaded."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
