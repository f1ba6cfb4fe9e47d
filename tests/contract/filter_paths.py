"""Test-side meaning of every list filter of the contract, written by hand from the spec text.

Each entry: filter name -> (path read with `tests.support.jsonpaths`, operator). The filter
tests take the list of filters from Open Klant's OpenAPI file, so a spec filter missing here,
or in the façade, fails a test.
"""

from __future__ import annotations

PI = "partijIdentificator"


def _identity(name: str, path: str) -> dict[str, tuple[str, str]]:
    return {f"{name}__uuid": (f"{path}.uuid", "exact"), f"{name}__url": (f"{path}.url", "exact")}


def _pi(name: str, path: str) -> dict[str, tuple[str, str]]:
    parts = ("codeObjecttype", "codeSoortObjectId", "objectId", "codeRegister")
    return {f"{name}__{part}": (f"{path}.{PI}.{part}", "exact") for part in parts}


def _oid(prefix: str, path: str, group: str) -> dict[str, tuple[str, str]]:
    parts = ("CodeObjecttype", "CodeRegister", "CodeSoortObjectId", "ObjectId")
    return {f"{prefix}{group}{part}": (f"{path}{group}.{part[0].lower()}{part[1:]}", "exact") for part in parts}


def _adres(prefix: str) -> dict[str, tuple[str, str]]:
    return {
        f"{prefix}NummeraanduidingId": (f"{prefix}.nummeraanduidingId", "exact"),
        **{f"{prefix}Adresregel{i}": (f"{prefix}.adresregel{i}", "exact") for i in (1, 2, 3)},
        f"{prefix}Land": (f"{prefix}.land", "exact"),
    }


FILTER_PATHS: dict[str, dict[str, tuple[str, str]]] = {
    "partijen": {
        "nummer": ("nummer", "exact"),
        "soortPartij": ("soortPartij", "exact"),
        "indicatieActief": ("indicatieActief", "exact"),
        "indicatieGeheimhouding": ("indicatieGeheimhouding", "exact"),
        **_adres("bezoekadres"),
        **_adres("correspondentieadres"),
        **_pi("partijIdentificator", "partijIdentificatoren[]"),
        **{
            f"subIdentificatorVan__{part}": (f"partijIdentificatoren[].subIdentificatorVan->{PI}.{part}", "exact")
            for part in ("codeObjecttype", "codeSoortObjectId", "objectId", "codeRegister")
        },
        # the partijen represented by the given partij
        **_identity(
            "vertegenwoordigdePartij", "<-vertegenwoordigingen:vertegenwoordigdePartij.vertegenwoordigendePartij"
        ),
        "categorierelatie__categorie__naam": ("categorieRelaties[].categorieNaam", "exact"),
    },
    "partij-identificatoren": {
        f"{PI}CodeObjecttype": (f"{PI}.codeObjecttype", "exact"),
        f"{PI}CodeSoortObjectId": (f"{PI}.codeSoortObjectId", "exact"),
        f"{PI}ObjectId": (f"{PI}.objectId", "exact"),
        f"{PI}CodeRegister": (f"{PI}.codeRegister", "exact"),
        "anderePartijIdentificator": ("anderePartijIdentificator", "exact"),
    },
    "vertegenwoordigingen": {
        **_identity("vertegenwoordigendePartij", "vertegenwoordigendePartij"),
        **_identity("vertegenwoordigdePartij", "vertegenwoordigdePartij"),
    },
    "digitaleadressen": {
        "adres": ("adres", "exact"),
        "adres__icontains": ("adres", "icontains"),
        "soortDigitaalAdres": ("soortDigitaalAdres", "exact"),
        "isStandaardAdres": ("isStandaardAdres", "exact"),
        "omschrijving": ("omschrijving", "icontains"),
        "referentie": ("referentie", "exact"),
        "isGeverifieerd": ("verificatieDatum", "not_null"),
        "verificatieDatum": ("verificatieDatum", "exact"),
        "verificatieDatum__gt": ("verificatieDatum", "gt"),
        "verificatieDatum__gte": ("verificatieDatum", "gte"),
        "verificatieDatum__lt": ("verificatieDatum", "lt"),
        "verificatieDatum__lte": ("verificatieDatum", "lte"),
        "verstrektDoorBetrokkene__rol": ("verstrektDoorBetrokkene->rol", "exact"),
        **_identity("verstrektDoorBetrokkene", "verstrektDoorBetrokkene"),
        **_identity("verstrektDoorPartij", "verstrektDoorPartij"),
        "verstrektDoorPartij__soortPartij": ("verstrektDoorPartij->soortPartij", "exact"),
        **_pi("verstrektDoorPartij__partijIdentificator", "verstrektDoorPartij->partijIdentificatoren[]"),
    },
    "rekeningnummers": {
        "uuid": ("uuid", "exact"),
        "iban": ("iban", "exact"),
        "bic": ("bic", "exact"),
    },
    "klantcontacten": {
        "nummer": ("nummer", "exact"),
        "referentienummer": ("referentienummer", "exact"),
        "kanaal": ("kanaal", "exact"),
        "onderwerp": ("onderwerp", "icontains"),
        "inhoud": ("inhoud", "icontains"),
        "reactie": ("reactie", "icontains"),
        "indicatieContactGelukt": ("indicatieContactGelukt", "exact"),
        "vertrouwelijk": ("vertrouwelijk", "exact"),
        "plaatsgevondenOp": ("plaatsgevondenOp", "exact"),
        "leiddeTotInterneTaken": ("leiddeTotInterneTaken", "non_empty"),
        **_identity("hadBetrokkene", "hadBetrokkenen[]"),
        "hadBetrokkene__wasPartij": ("hadBetrokkenen[]->wasPartij", "not_null"),
        **_identity("hadBetrokkene__wasPartij", "hadBetrokkenen[]->wasPartij"),
        **_pi("hadBetrokkene__wasPartij__partijIdentificator", "hadBetrokkenen[]->wasPartij->partijIdentificatoren[]"),
        "hadBetrokkene__digitaaladres__adres__icontains": ("hadBetrokkenen[]->digitaleAdressen[]->adres", "icontains"),
        **_identity("onderwerpobject", "gingOverOnderwerpobjecten[]"),
        **_oid("onderwerpobject__", "gingOverOnderwerpobjecten[]->", "onderwerpobjectidentificator"),
        **_identity("wasOnderwerpobject", "<-onderwerpobjecten:wasKlantcontact"),
        **_oid("wasOnderwerpobject__", "<-onderwerpobjecten:wasKlantcontact.", "onderwerpobjectidentificator"),
    },
    "betrokkenen": {
        "contactnaamVoorletters": ("contactnaam.voorletters", "exact"),
        "contactnaamVoornaam": ("contactnaam.voornaam", "exact"),
        "contactnaamVoorvoegselAchternaam": ("contactnaam.voorvoegselAchternaam", "exact"),
        "contactnaamAchternaam": ("contactnaam.achternaam", "exact"),
        "organisatienaam": ("organisatienaam", "exact"),
        **_identity("hadKlantcontact", "hadKlantcontact"),
        "hadKlantcontact__nummer": ("hadKlantcontact->nummer", "exact"),
        "hadKlantcontact__referentienummer": ("hadKlantcontact->referentienummer", "exact"),
        "verstrektedigitaalAdres__adres": ("digitaleAdressen[]->adres", "exact"),
        **_identity("verstrektedigitaalAdres", "digitaleAdressen[]"),
        **_identity("wasPartij", "wasPartij"),
        "wasPartij__nummer": ("wasPartij->nummer", "exact"),
        **_pi("wasPartij__partijIdentificator", "wasPartij->partijIdentificatoren[]"),
    },
    "onderwerpobjecten": {
        **_identity("klantcontact", "klantcontact"),
        **_identity("wasKlantcontact", "wasKlantcontact"),
        **_oid("", "", "onderwerpobjectidentificator"),
    },
    "bijlagen": {
        "klantcontact__uuid": ("wasBijlageVanKlantcontact.uuid", "exact"),
        **_oid("", "", "bijlageidentificator"),
    },
    "actoren": {
        "naam": ("naam", "icontains"),
        "soortActor": ("soortActor", "exact"),
        "indicatieActief": ("indicatieActief", "exact"),
        **_oid("", "", "actoridentificator"),
    },
    "actorklantcontacten": {**_identity("actor", "actor"), **_identity("klantcontact", "klantcontact")},
    "internetaken": {
        "nummer": ("nummer", "exact"),
        "referentienummer": ("referentienummer", "exact"),
        "status": ("status", "exact"),
        "toegewezenOp": ("toegewezenOp", "exact"),
        **_identity("toegewezenAanActor", "toegewezenAanActoren[]"),
        **_identity("aanleidinggevendKlantcontact", "aanleidinggevendKlantcontact"),
        "klantcontact__uuid": ("aanleidinggevendKlantcontact.uuid", "exact"),
        "klantcontact__nummer": ("aanleidinggevendKlantcontact->nummer", "exact"),
        "klantcontact__referentienummer": ("aanleidinggevendKlantcontact->referentienummer", "exact"),
        "actoren__naam": ("toegewezenAanActoren[]->naam", "exact"),
    },
    "categorieen": {},
    "categorie-relaties": {
        **_identity("partij", "partij"),
        "partij__nummer": ("partij->nummer", "exact"),
        **_identity("categorie", "categorie"),
        "categorie__naam": ("categorie.naam", "exact"),
        "beginDatum": ("beginDatum", "exact"),
        "eindDatum": ("eindDatum", "exact"),
    },
}
