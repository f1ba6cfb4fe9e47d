"""Open Klant's rules for write bodies beyond the schema (reference material §13), in one place.

Checked on the body as `facade.api.bodies` returns it (references still `{"uuid": UUID}`) and,
for an update, on the object as it is stored now (rendered), so that a PATCH is judged by the
result it would have:

- internetaken: exactly one of `toegewezenAanActor` and `toegewezenAanActoren` on create and PUT,
  never both; the single one is folded into the list; `afgehandeldOp` only with `verwerkt`;
- digitaleadressen: `isStandaardAdres` only for an address of a partij; an e-mail address or
  telephone number must look like one;
- partijen: `voorkeursDigitaalAdres`/`voorkeursRekeningnummer` must be one of the partij's own;
  inline `partijIdentificatoren` name no `identificeerdePartij` and no kind twice;
- partij-identificatoren (inline too): register, object type and kind fit together, and the
  number has its kind's shape (BSN and RSIN pass the elfproef);
- vertegenwoordigingen: a partij does not represent itself;
- old identificator codes (`inp`, `nnp`, `kvk`, `vtn`, still written by Open Inwoner) are read
  as the current ones, before the schema sees them (as the filters do, ADR 4).

Problems are 400s with `invalidParams`, named as Open Klant names them; no reason quotes a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from facade.errors import InvalidParam, validation_error
from mapping.codes import IDENTIFICATOR_CODES, to_current, valid_number

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^(0[1-9][0-9]{8}|\+[0-9]{9,15}|00[0-9]{7,13})$")
_NO_ACTOR = "Geef precies één van 'toegewezenAanActor' en 'toegewezenAanActoren' op."


def with_current_codes(body: Any) -> Any:
    """The raw body with every `partijIdentificator` group's old codes read as current ones."""
    if isinstance(body, list):
        return [with_current_codes(element) for element in body]
    if not isinstance(body, dict):
        return body
    out = {key: with_current_codes(value) for key, value in body.items()}
    group = out.get("partijIdentificator")
    if isinstance(group, dict):
        out["partijIdentificator"] = to_current(group)
    return out


def apply(resource: str, body: dict[str, Any], current: Mapping[str, Any] | None, replace: bool) -> dict[str, Any]:
    """Check `body` by Open Klant's rules; return it with the single actor folded into the list.

    `current`: the stored object, rendered (an update); None for a create. `replace`: a create or
    PUT (the body is complete), not a PATCH.
    """
    problems: list[InvalidParam] = []
    rule = _RULES.get(resource)
    if rule is not None:
        body = rule(body, current or {}, replace, problems)
    if problems:
        raise validation_error(*problems)
    return body


def _result(name: str, body: Mapping[str, Any], current: Mapping[str, Any]) -> Any:
    """A field's value after the write: the body's if given, else the stored one."""
    return body[name] if name in body else current.get(name)


def _uuid(reference: Any) -> str | None:
    value = reference.get("uuid") if isinstance(reference, Mapping) else None
    return str(value) if value is not None else None


def _internetaak(body: dict, current: Mapping, replace: bool, problems: list[InvalidParam]) -> dict:
    single, many = body.get("toegewezenAanActor"), body.get("toegewezenAanActoren")
    if (single is not None and many is not None) or (replace and single is None and not many):
        problems.append(InvalidParam("nonFieldErrors", "invalid", _NO_ACTOR))
    body = {key: value for key, value in body.items() if key != "toegewezenAanActor"}
    if single is not None:
        body["toegewezenAanActoren"] = [single]
    if body.get("afgehandeldOp") is not None and _result("status", body, current) != "verwerkt":
        problems.append(
            InvalidParam("afgehandeldOp", "invalid", "'afgehandeldOp' kan alleen bij de status 'verwerkt'.")
        )
    return body


def _digitaal_adres(body: dict, current: Mapping, replace: bool, problems: list[InvalidParam]) -> dict:
    if _result("isStandaardAdres", body, current) and _result("verstrektDoorPartij", body, current) is None:
        problems.append(
            InvalidParam(
                "isStandaardAdres", "invalid", "Alleen een digitaal adres van een partij kan het standaardadres zijn."
            )
        )
    if "adres" in body or "soortDigitaalAdres" in body:
        adres, soort = _result("adres", body, current) or "", _result("soortDigitaalAdres", body, current)
        if soort == "email" and not _EMAIL.match(adres):
            problems.append(InvalidParam("adres", "invalid", "Voer een geldig e-mailadres in."))
        elif soort == "telefoonnummer" and not _PHONE.match(adres):
            problems.append(InvalidParam("adres", "invalid", "Voer een geldig telefoonnummer in."))
    return body


def _partij(body: dict, current: Mapping, replace: bool, problems: list[InvalidParam]) -> dict:
    for preference, own in (
        ("voorkeursDigitaalAdres", "digitaleAdressen"),
        ("voorkeursRekeningnummer", "rekeningnummers"),
    ):
        chosen = _uuid(body.get(preference))
        if chosen is None:
            continue
        owned = {_uuid(ref) for ref in _result(own, body, current) or ()}
        if chosen not in owned:
            problems.append(InvalidParam(preference, "invalid", f"Dit moet een van de '{own}' van de partij zijn."))
    inline = body.get("partijIdentificatoren")
    seen: set[str] = set()
    for index, identificator in enumerate(inline if isinstance(inline, list) else ()):
        where = f"partijIdentificatoren.{index}"
        if identificator.get("identificeerdePartij") is not None:
            problems.append(
                InvalidParam(f"{where}.identificeerdePartij", "invalid", "Laat dit veld weg bij een partij.")
            )
        identificator.pop("uuid", None)  # the façade assigns identities; a client's uuid is ignored
        identificator.pop("identificeerdePartij", None)
        soort = (identificator.get("partijIdentificator") or {}).get("codeSoortObjectId")
        if soort in seen:
            problems.append(
                InvalidParam(f"{where}.partijIdentificator", "unique", "Een partij heeft één identificator per soort.")
            )
        seen.add(soort)
        problems.extend(_codes(identificator.get("partijIdentificator"), f"{where}.partijIdentificator"))
    identificatie = body.get("partijIdentificatie")
    if isinstance(identificatie, dict):
        identificatie.pop("uuid", None)  # a contactpersoon's own uuid is derived by the façade
    return body


def _partij_identificator(body: dict, current: Mapping, replace: bool, problems: list[InvalidParam]) -> dict:
    if "partijIdentificator" in body:
        problems.extend(_codes(body["partijIdentificator"], "partijIdentificator"))
    return body


def _codes(group: Any, where: str) -> Iterator[InvalidParam]:
    """Register, object type and kind fit together; the number has its kind's shape."""
    if not isinstance(group, Mapping):
        return
    register, objecttype, soort = group.get("codeRegister"), group.get("codeObjecttype"), group.get("codeSoortObjectId")
    objecttypes = IDENTIFICATOR_CODES.get(register or "", {})
    if objecttype not in objecttypes:
        yield InvalidParam(f"{where}.codeObjecttype", "invalid", "Dit objecttype hoort niet bij dit register.")
    elif soort not in objecttypes[objecttype]:
        yield InvalidParam(f"{where}.codeSoortObjectId", "invalid", "Deze soort hoort niet bij dit objecttype.")
    elif not valid_number(soort, group.get("objectId") or ""):
        yield InvalidParam(f"{where}.objectId", "invalid", "Dit is geen geldig nummer van deze soort.")


def _vertegenwoordiging(body: dict, current: Mapping, replace: bool, problems: list[InvalidParam]) -> dict:
    one = _uuid(_result("vertegenwoordigendePartij", body, current))
    other = _uuid(_result("vertegenwoordigdePartij", body, current))
    if one is not None and one == other:
        problems.append(InvalidParam("nonFieldErrors", "invalid", "Een partij kan zichzelf niet vertegenwoordigen."))
    return body


_RULES = {
    "internetaken": _internetaak,
    "digitaleadressen": _digitaal_adres,
    "partijen": _partij,
    "partij-identificatoren": _partij_identificator,
    "vertegenwoordigingen": _vertegenwoordiging,
}
