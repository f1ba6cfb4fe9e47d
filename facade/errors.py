"""Problem JSON errors, shaped as Open Klant's (`type, code, title, status, detail, instance`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class InvalidParam:
    name: str
    code: str
    reason: str


@dataclass
class ProblemError(Exception):
    """An error answer. `detail` and `invalid_params` must never hold a BSN or a secret."""

    status: int
    code: str
    title: str
    detail: str = ""
    invalid_params: list[InvalidParam] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    """Members added to the body (e.g. `remaining` of an incomplete write); never a BSN."""

    @property
    def type_name(self) -> str:
        return _TYPE_NAMES.get(self.status, "APIException")


_TYPE_NAMES = {
    400: "ValidationError",
    401: "NotAuthenticated",
    403: "PermissionDenied",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "UnprocessableEntity",
    500: "APIException",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


def validation_error(*params: InvalidParam, detail: str = "") -> ProblemError:
    return ProblemError(400, "invalid", "Invalid input.", detail, list(params))


def not_found(detail: str = "Niet gevonden.") -> ProblemError:
    return ProblemError(404, "not_found", "Niet gevonden.", detail)
