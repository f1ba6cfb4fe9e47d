"""Problem JSON responses.

Served as `application/json`, as Open Klant does: open-klant-client refuses any other content
type, also on errors (docs/decisions/0001-contract-fidelity.md). A client that asks for
`application/problem+json` in `Accept` gets that media type.
"""

from __future__ import annotations

import logging

import orjson
from starlette.requests import Request
from starlette.responses import Response

from facade.errors import ProblemError

log = logging.getLogger("facade.api")

_STATUS_CODES = {
    400: ("invalid", "Invalid input."),
    401: ("not_authenticated", "Authenticatiegegevens zijn niet opgegeven."),
    403: ("permission_denied", "U heeft geen toestemming om deze actie uit te voeren."),
    404: ("not_found", "Niet gevonden."),
    405: ("method_not_allowed", "Methode niet toegestaan."),
    413: ("request_too_large", "Het verzoek is te groot."),
    415: ("unsupported_media_type", "Niet-ondersteund mediatype."),
    500: ("error", "Er is een serverfout opgetreden."),
}


def problem_for_status(status: int, detail: str = "") -> ProblemError:
    code, title = _STATUS_CODES.get(status, ("error", "Er is een fout opgetreden."))
    return ProblemError(status, code, title, detail or title)


def problem_response(request: Request, problem: ProblemError) -> Response:
    base = getattr(request.state, "base_url", None) or ""
    request_id = getattr(request.state, "request_id", "")
    body: dict = {
        "type": f"{base}/ref/fouten/{problem.type_name}/",
        "code": problem.code,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": f"urn:uuid:{request_id}",
    }
    if problem.status == 400:
        body["invalidParams"] = [{"name": p.name, "code": p.code, "reason": p.reason} for p in problem.invalid_params]
    body.update(problem.extra)
    accept = request.headers.get("accept", "")
    media_type = "application/problem+json" if "application/problem+json" in accept else "application/json"
    return Response(orjson.dumps(body), status_code=problem.status, media_type=media_type, headers=problem.headers)
