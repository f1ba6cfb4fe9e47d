"""An upstream's refusal of a ZGW write, in Klantinteracties terms: pure.

A Klanten or Contactmomenten API refuses a body with `invalidParams` naming its own fields
(`subjectIdentificatie.inpBsn`, `tekst`, `onderwerpLinks.0`). When every field it names maps onto
a field of the Klantinteracties object the client wrote, the client gets a 400 naming those
fields; otherwise the fault is not the client's (a setting such as `bronorganisatie`, or an
answer without field names, as e-Suite gives) and the façade answers 502 naming the source.
Reasons are the façade's own: an upstream's reason may echo the value it refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from mapping.refusals import in_own_words

_CONTACTNAAM = "partijIdentificatie.contactnaam."
_KLANT = {
    "klantnummer": "nummer",
    "nonFieldErrors": "nummer",  # (bronorganisatie, klantnummer) is unique
    "subjectType": "soortPartij",
    "voornaam": _CONTACTNAAM + "voornaam",
    "voorvoegselAchternaam": _CONTACTNAAM + "voorvoegselAchternaam",
    "achternaam": _CONTACTNAAM + "achternaam",
    "subjectIdentificatie.voorletters": _CONTACTNAAM + "voorletters",
    "bedrijfsnaam": "partijIdentificatie.naam",
    "subjectIdentificatie.statutaireNaam": "partijIdentificatie.naam",
    "subjectIdentificatie": "partijIdentificatoren",
    "subjectIdentificatie.inpBsn": "partijIdentificatoren",
    "subjectIdentificatie.innNnpId": "partijIdentificatoren",
    "subjectIdentificatie.vestigingsNummer": "partijIdentificatoren",
    "adres.straatnaam": "bezoekadres.straatnaam",
    "adres.huisnummer": "bezoekadres.huisnummer",
    "adres.huisnummertoevoeging": "bezoekadres.huisnummertoevoeging",
    "adres.postcode": "bezoekadres.postcode",
    "adres.woonplaatsnaam": "bezoekadres.stad",
    "adres.landcode": "bezoekadres.land",
}
_IDENTIFICATOR = {
    "subjectType": "partijIdentificator.codeObjecttype",
    "subjectIdentificatie": "partijIdentificator.objectId",
    "subjectIdentificatie.inpBsn": "partijIdentificator.objectId",
    "subjectIdentificatie.innNnpId": "partijIdentificator.objectId",
    "subjectIdentificatie.vestigingsNummer": "partijIdentificator.objectId",
}
FIELDS: dict[str, Mapping[str, str]] = {
    "klantcontacten": {
        "kanaal": "kanaal",
        "tekst": "inhoud",
        "registratiedatum": "plaatsgevondenOp",
        "voorkeurstaal": "taal",
        "onderwerpLinks": "onderwerp",
        "onderwerp": "onderwerp",
        "antwoord": "reactie",
    },
    "betrokkenen": {
        "klant": "wasPartij",
        "contactmoment": "hadKlantcontact",
        "rol": "rol",
        "initiatiefnemer": "initiator",
        "nonFieldErrors": "wasPartij",  # (contactmoment, klant) is unique
    },
    "onderwerpobjecten": {
        "contactmoment": "klantcontact",
        "object": "onderwerpobjectidentificator.objectId",
        "vorigContactmoment": "wasKlantcontact",
        "nonFieldErrors": "onderwerpobjectidentificator.objectId",  # (contactmoment, object) is unique
    },
    "actorklantcontacten": {"contactmoment": "klantcontact", "medewerkerIdentificatie": "actor"},
    "partijen": _KLANT,
    "partij-identificatoren": _IDENTIFICATOR,
    "digitaleadressen": {"emailadres": "adres", "telefoonnummer": "adres", "telefoonnummerAlternatief": "adres"},
}
"""Per Klantinteracties collection written: upstream field -> the Klantinteracties field it holds."""

_INDEX = re.compile(r"\.\d+(?=\.|$)")


def ki_field(collection: str, upstream_name: str) -> str | None:
    """The Klantinteracties field an upstream field of this write holds, or None."""
    table = FIELDS.get(collection, {})
    name = _INDEX.sub("", upstream_name)  # onderwerpLinks.0 -> onderwerpLinks
    while name:
        if name in table:
            return table[name]
        name = name.rpartition(".")[0]  # medewerkerIdentificatie.identificatie -> medewerkerIdentificatie
    return None


def invalid_params(collection: str, problems: Iterable[Mapping[str, object]]) -> list[tuple[str, str, str]] | None:
    """(name, code, reason) per Klantinteracties field, or None when a problem names no field of
    the client's (then the façade, not the client, must answer for it: 502)."""
    found: dict[tuple[str, str], str] = {}
    for problem in problems:
        name = problem.get("name") if isinstance(problem, Mapping) else None
        field = ki_field(collection, name) if isinstance(name, str) else None
        if field is None:
            return None
        code, reason = in_own_words(problem.get("code"))
        found.setdefault((field, code), reason)
    return [(field, code, reason) for (field, code), reason in found.items()] or None
