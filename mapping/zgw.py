"""ZGW records (Klanten API v1, Contactmomenten API v1, Zaken API 1.5.1) as Klantinteracties
objects: pure functions on the decoded JSON, no I/O.

Follows Open Klant's v1 -> v2 migration (`migrate_to_v2`), with the changes of
docs/decisions/0008-zgw-source.md: `Partij.nummer` is the klantnummer, a vestigingsnummer
becomes an identificator, an invalid BSN drops the identificator but keeps the partij, and a
`subject` URL is never followed (only `subjectIdentificatie` is read).

Keys (façade key formats in brackets): the upstream UUID of the record, or a derived key
``<uuid>#<suffix>`` for objects built from one record. Every key names the one upstream
record that `get_many` reads to rebuild it.

=======================  ====================================  =====================
resource                 key                                   read back from
=======================  ====================================  =====================
partijen                 ``<klant>``                           klant
partij-identificatoren   ``<klant>#id``                        klant
digitaleadressen         ``<klant>#email``, ``<klant>#tel``,   klant
                         ``<klant>#tel2`` (e-Suite)
klantcontacten           ``<contactmoment>``                   contactmoment
klantcontacten           ``<zaak klantcontact>#zaak``          Zaken klantcontact
betrokkenen              ``<klantcontactmoment>``              klantcontactmoment
onderwerpobjecten        ``<objectcontactmoment>``             objectcontactmoment
onderwerpobjecten        ``<zaakcontactmoment>#zcm``           zaakcontactmoment
onderwerpobjecten        ``<zaak klantcontact>#zaak``          Zaken klantcontact
onderwerpobjecten        ``<contactmoment>#vorig``             contactmoment
actoren                  ``<contactmoment>#mdw``               contactmoment
actorklantcontacten      ``<contactmoment>#mdw``               contactmoment
=======================  ====================================  =====================
"""

from __future__ import annotations

import datetime as dt
import re
import uuid as uuidlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from mapping import nummers
from mapping.ki import (
    Actor,
    ActorFacts,
    ActorKlantcontact,
    Adres,
    Betrokkene,
    Contactnaam,
    DigitaalAdres,
    Identificator,
    Klantcontact,
    Medewerker,
    Onderwerpobject,
    Organisatie,
    Partij,
    PartijIdentificator,
    PartijIdentificatorGroep,
    Persoon,
    Ref,
    Unmappable,
    ZaakFacts,
)

Record = Mapping[str, Any]

ID, EMAIL, TEL, TEL2, ZAAK, ZCM, VORIG, MDW = "id", "email", "tel", "tel2", "zaak", "zcm", "vorig", "mdw"
SOORT_PARTIJ = {"natuurlijk_persoon": "persoon", "niet_natuurlijk_persoon": "organisatie", "vestiging": "organisatie"}
ROL = {"belanghebbende": "klant", "gesprekspartner": "klant"}
DEFAULT_TAAL = "nld"
ELLIPSIS = "…"
_TAAL = re.compile(r"^[a-z]{3}$")
_POSTCODE = re.compile(r"^([1-9][0-9]{3}) ?([A-Za-z]{2})$")
_LAND = re.compile(r"^[A-Z]{2}$")


def derived(key: str, suffix: str) -> str:
    return f"{key}#{suffix}"


def owner(key: str) -> str:
    """The UUID of the upstream record a (derived) key belongs to."""
    return key.partition("#")[0]


def suffix(key: str) -> str:
    return key.partition("#")[2]


# --- small helpers -------------------------------------------------------------------------


def uuid_of(url: Any) -> str | None:
    """The UUID at the end of a ZGW URL (never fetched: only its last path segment is read)."""
    if not isinstance(url, str) or not url:
        return None
    segment = urlsplit(url).path.rstrip("/").rpartition("/")[2]
    try:
        return str(uuidlib.UUID(segment))
    except ValueError:
        return None


def record_uuid(record: Record) -> str | None:
    """A record's own UUID: its `uuid` field (Zaken API), else the last segment of its `url`."""
    value = record.get("uuid")
    if isinstance(value, str):
        try:
            return str(uuidlib.UUID(value))
        except ValueError:
            return None
    return uuid_of(record.get("url"))


def text(record: Record | None, name: str) -> str:
    """A text field; null, absent or a non-string counts as empty (real servers send all three)."""
    value = record.get(name) if isinstance(record, Mapping) else None
    return value.strip() if isinstance(value, str) else ""


def clip(value: str, limit: int) -> str:
    """Free text longer than the contract allows: cut, and say so with a trailing ellipsis."""
    return value if len(value) <= limit else value[: limit - 1] + ELLIPSIS


def short_id(value: str, limit: int = 10) -> str | None:
    """An identifier that does not fit is left out, never cut (a cut identifier names another)."""
    return value if value and len(value) <= limit else None


def _ascii_digits(value: str) -> bool:
    """0-9 only: `str.isdigit` also takes other scripts' digits (Arabic-Indic, full-width) and
    superscripts, which no register writes and `int()` reads as if they were the same number."""
    return value.isascii() and value.isdigit()


def elfproef(number: str) -> bool:
    """The BSN/RSIN eleven test on 9 digits."""
    if len(number) != 9 or not _ascii_digits(number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:8], range(9, 1, -1), strict=True)) - int(number[8])
    return total % 11 == 0


def normalise_bsn(value: str) -> str | None:
    """A BSN as Open Klant stores it: 8 digits get a leading zero; must then pass the eleven test."""
    value = value.strip()
    if len(value) == 8 and _ascii_digits(value):
        value = "0" + value
    return value if elfproef(value) else None


def parse_moment(value: Any) -> dt.datetime | None:
    """An ISO date-time; one without offset is read as UTC (ZGW servers always send one)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def zaak_facts(zaak_url: Any) -> ZaakFacts | None:
    """The zaak a link names, by the UUID at the end of its URL (its identificatie is read from
    the Zaken API by the adapter, never by following the URL)."""
    zaak = uuid_of(zaak_url)
    return ZaakFacts(uuid=zaak) if zaak else None


def contactmoment_nummer(cm: Record, key: str) -> tuple[str, str | None]:
    """(nummer, referentienummer): the `identificatie` if it fits, else derived from the
    registration moment (mapping/nummers.py); a referentienummer only where there is an identificatie."""
    identificatie = text(cm, "identificatie")
    value = nummers.nummer(identificatie, key, parse_moment(cm.get("registratiedatum")))
    return value, value if identificatie else None


def zaak_klantcontact_nummer(kc: Record, key: str) -> tuple[str, str | None]:
    """As `contactmoment_nummer`, for a Zaken API klantcontact (`identificatie` up to 14 characters)."""
    identificatie = text(kc, "identificatie")
    value = nummers.nummer(identificatie, key, parse_moment(kc.get("datumtijd")))
    return value, value if identificatie else None


def zaak_identificator(zaak_url: Any, register: str) -> Identificator:
    """A zaak as onderwerpobject: by its UUID (Open Klant's convention), in the configured register."""
    zaak = uuid_of(zaak_url)
    if zaak is None:  # not a ZGW zaak URL: keep the reference as it is
        reference = short_id(zaak_url.strip() if isinstance(zaak_url, str) else "", 200) or ""
        return Identificator(objectId=reference, codeObjecttype="zaak", codeRegister=register, codeSoortObjectId="url")
    return Identificator(objectId=zaak, codeObjecttype="zaak", codeRegister=register, codeSoortObjectId="uuid")


# --- klanten ---------------------------------------------------------------------------------


def subject(klant: Record) -> tuple[str | None, Record]:
    """(subjectType, subjectIdentificatie); the type is inferred from the identifying fields when
    absent. The `subject` URL is never used (docs/decisions/0008)."""
    ident = klant.get("subjectIdentificatie")
    ident = ident if isinstance(ident, Mapping) else {}
    kind = klant.get("subjectType") if klant.get("subjectType") in SOORT_PARTIJ else None
    if kind is None:
        if text(ident, "inpBsn"):
            kind = "natuurlijk_persoon"
        elif text(ident, "innNnpId"):
            kind = "niet_natuurlijk_persoon"
        elif text(ident, "vestigingsNummer"):
            kind = "vestiging"
    return kind, ident


def identificator_groep(klant: Record) -> PartijIdentificatorGroep | None:
    """The register identifier of a klant, if it has a valid one (docs/decisions/0008, Q14)."""
    kind, ident = subject(klant)
    if kind == "natuurlijk_persoon":
        bsn = normalise_bsn(text(ident, "inpBsn"))
        if bsn:
            return PartijIdentificatorGroep(
                codeObjecttype="natuurlijk_persoon", codeSoortObjectId="bsn", objectId=bsn, codeRegister="brp"
            )
    elif kind == "niet_natuurlijk_persoon":
        number = text(ident, "innNnpId")
        if _ascii_digits(number) and len(number) == 8:
            return PartijIdentificatorGroep(
                codeObjecttype="niet_natuurlijk_persoon",
                codeSoortObjectId="kvk_nummer",
                objectId=number,
                codeRegister="hr",
            )
        if elfproef(number):
            return PartijIdentificatorGroep(
                codeObjecttype="niet_natuurlijk_persoon", codeSoortObjectId="rsin", objectId=number, codeRegister="hr"
            )
    elif kind == "vestiging":
        number = text(ident, "vestigingsNummer")
        if _ascii_digits(number) and len(number) <= 12:
            return PartijIdentificatorGroep(
                codeObjecttype="vestiging", codeSoortObjectId="vestigingsnummer", objectId=number, codeRegister="hr"
            )
    return None


def soort_partij(klant: Record) -> str:
    kind, _ = subject(klant)
    if kind:
        return SOORT_PARTIJ[kind]
    # No subject at all: a klant with only a company name is an organisation.
    has_name = text(klant, "voornaam") or text(klant, "achternaam")
    return "organisatie" if text(klant, "bedrijfsnaam") and not has_name else "persoon"


def contactnaam(klant: Record) -> Contactnaam:
    """As Open Klant's migration: initials from the subject, the names from the Klant itself."""
    _, ident = subject(klant)
    return Contactnaam(
        voorletters=text(ident, "voorletters"),
        voornaam=text(klant, "voornaam"),
        voorvoegselAchternaam=text(klant, "voorvoegselAchternaam"),
        achternaam=text(klant, "achternaam"),
    )


def organisatienaam(klant: Record) -> str:
    kind, ident = subject(klant)
    if kind == "niet_natuurlijk_persoon":
        return text(ident, "statutaireNaam") or text(klant, "bedrijfsnaam")
    return text(klant, "bedrijfsnaam")


def adres(klant: Record) -> Adres:
    """The Klant's address as bezoekadres; values the contract would refuse are left empty."""
    raw = klant.get("adres")
    if not isinstance(raw, Mapping):
        return Adres()
    number = raw.get("huisnummer")
    postcode = _POSTCODE.match(text(raw, "postcode"))
    land = text(raw, "landcode").upper()
    toevoeging = " ".join(p for p in (text(raw, "huisletter"), text(raw, "huisnummertoevoeging")) if p)
    straat, stad = text(raw, "straatnaam"), text(raw, "woonplaatsnaam") or text(raw, "woonplaatsNaam")
    nummer = f"{number}{toevoeging}" if isinstance(number, int) and number > 0 else ""
    code = f"{postcode.group(1)} {postcode.group(2).upper()}" if postcode else ""
    return Adres(
        straatnaam=straat,
        huisnummer=number if isinstance(number, int) and 1 <= number <= 99999 else None,
        huisnummertoevoeging=toevoeging,
        postcode=code,
        stad=stad,
        adresregel1=" ".join(p for p in (straat, nummer) if p),
        adresregel2=" ".join(p for p in (code, stad) if p),
        land=land if _LAND.match(land) else "",
    )


def partij_identificator(klant: Record, key: str) -> PartijIdentificator | None:
    groep = identificator_groep(klant)
    if groep is None:
        return None
    return PartijIdentificator(key=derived(key, ID), identificeerdePartij=Ref(key), partijIdentificator=groep)


DIGITALE_ADRESSEN = (
    ("emailadres", "email", EMAIL),
    ("telefoonnummer", "telefoonnummer", TEL),
    ("telefoonnummerAlternatief", "telefoonnummer", TEL2),  # e-Suite only
)
"""Klant field, soortDigitaalAdres, key suffix: the digitale adressen a klant holds."""


def digitale_adressen(klant: Record, key: str) -> list[DigitaalAdres]:
    """E-mail and phone numbers of the Klant (`referentie` portaalvoorkeur, as the migration)."""
    found = []
    for field_name, soort, suffix_ in DIGITALE_ADRESSEN:
        value = text(klant, field_name)
        if value:
            found.append(
                DigitaalAdres(
                    key=derived(key, suffix_),
                    verstrektDoorPartij=Ref(key),
                    adres=value,
                    soortDigitaalAdres=soort,
                    isStandaardAdres=suffix_ != TEL2,  # the klant's one e-mail address, its first phone
                    referentie="portaalvoorkeur",
                )
            )
    return found


def partij_nummer(klant: Record, key: str) -> str:
    """The klantnummer (never the BSN); derived from the key when it has none that fits."""
    return nummers.nummer(text(klant, "klantnummer"), key)


def partij(klant: Record, key: str, betrokkenen: Sequence[str] = ()) -> Partij:
    """A Klant as partij; `betrokkenen` are the keys of its klantcontactmomenten."""
    soort = soort_partij(klant)
    identificatie = (
        Persoon(contactnaam=contactnaam(klant)) if soort == "persoon" else Organisatie(naam=organisatienaam(klant))
    )
    adressen = digitale_adressen(klant, key)
    email = next((a for a in adressen if a.soortDigitaalAdres == "email"), None)
    identificator = partij_identificator(klant, key)
    return Partij(
        key=key,
        nummer=partij_nummer(klant, key),
        betrokkenen=[Ref(k) for k in betrokkenen],
        digitaleAdressen=[Ref(a.key) for a in adressen],
        voorkeursDigitaalAdres=Ref(email.key) if email else None,
        partijIdentificatoren=[identificator] if identificator else [],
        soortPartij=soort,
        indicatieGeheimhouding=False,
        indicatieActief=True,
        bezoekadres=adres(klant),
        partijIdentificatie=identificatie,
    )


# --- contactmomenten -------------------------------------------------------------------------


@dataclass(frozen=True)
class Contactmoment:
    """A contactmoment with the link records that hang off it (read with it, or listed by it)."""

    record: Record
    key: str
    klantcontactmomenten: Sequence[Record] = ()
    objectcontactmomenten: Sequence[Record] = ()
    zaakcontactmomenten: Sequence[Record] = ()
    zaak_register: str = "open-zaak"
    actor_register: str = "zgw"
    onderwerp: str = "Contactmoment"
    onderwerp_link_base: str = ""

    def onderwerpobject_keys(self) -> list[str]:
        keys = [k for k in (record_uuid(o) for o in self.objectcontactmomenten) if k]
        keys += [derived(k, ZCM) for z in self.unmirrored_zaakcontactmomenten() if (k := record_uuid(z))]
        if uuid_of(self.record.get("vorigContactmoment")):
            keys.append(derived(self.key, VORIG))
        return keys

    def unmirrored_zaakcontactmomenten(self) -> list[Record]:
        """Zaakcontactmomenten that no objectcontactmoment already describes (the Zaken API
        mirrors its links into the Contactmomenten API: the same link must appear once)."""
        linked = {uuid_of(o.get("object")) for o in self.objectcontactmomenten}
        return [z for z in self.zaakcontactmomenten if uuid_of(z.get("zaak")) not in linked]


def medewerker(cm: Record) -> tuple[str, str] | None:
    """(identificatie, naam) of the employee of a contactmoment: medewerkerIdentificatie, else
    e-Suite's behandelaar. A bare `medewerker` URL gives none (it is never fetched)."""
    ident = cm.get("medewerkerIdentificatie")
    if isinstance(ident, Mapping):
        code = text(ident, "identificatie")
        naam = " ".join(
            p for p in (text(ident, f) for f in ("voorletters", "voorvoegselAchternaam", "achternaam")) if p
        )
        if code or naam:
            return code, naam or code
    behandelaar = cm.get("behandelaar")
    if isinstance(behandelaar, Mapping):
        code, naam = text(behandelaar, "gebruikersnaam"), text(behandelaar, "volledigeNaam")
        if code or naam:
            return code, naam or code
    return None


def actor(moment: Contactmoment) -> Actor | None:
    found = medewerker(moment.record)
    if found is None:
        return None
    code, naam = found
    return Actor(
        key=derived(moment.key, MDW),
        naam=clip(naam, 200),
        soortActor="medewerker",
        indicatieActief=True,
        actoridentificator=Identificator(
            objectId=code, codeObjecttype="mdw", codeRegister=moment.actor_register, codeSoortObjectId="idf"
        ),
        actorIdentificatie=Medewerker(),
        facts=ActorFacts(soort="medewerker", identificatie=code) if code else None,
    )


def actorklantcontact(moment: Contactmoment) -> ActorKlantcontact | None:
    if medewerker(moment.record) is None:
        return None
    key = derived(moment.key, MDW)
    return ActorKlantcontact(key=key, actor=Ref(key), klantcontact=Ref(moment.key))


def onderwerp_from_links(cm: Record, base: str) -> str:
    """The onderwerp the façade wrote into `onderwerpLinks` as `<base><quoted onderwerp>`, if any."""
    links = cm.get("onderwerpLinks")
    if not base or not isinstance(links, list):
        return ""
    for link in links:
        if isinstance(link, str) and link.startswith(base) and len(link) > len(base):
            return unquote(link[len(base) :])
    return ""


def taal(value: str) -> str:
    value = value.lower()
    return value if _TAAL.match(value) else DEFAULT_TAAL


def klantcontact(moment: Contactmoment) -> Klantcontact:
    """A contactmoment as klantcontact (docs/decisions/0008: onderwerp, truncation, e-Suite fields)."""
    cm = moment.record
    registratie = parse_moment(cm.get("registratiedatum"))
    if registratie is None:
        raise Unmappable("contactmoment without registratiedatum")
    # e-Suite's own subject (a routing code or a type) if it has one; the VNG API has none, but
    # the façade keeps one it writes as an onderwerpLinks entry under a configured prefix.
    onderwerp = (
        text(cm, "onderwerp")
        or text(cm, "type")
        or onderwerp_from_links(cm, moment.onderwerp_link_base)
        or moment.onderwerp
    )
    found_actor = actor(moment)
    nummer, referentienummer = contactmoment_nummer(cm, moment.key)
    return Klantcontact(
        key=moment.key,
        gingOverOnderwerpobjecten=[Ref(k) for k in moment.onderwerpobject_keys()],
        hadBetrokkenActoren=[found_actor] if found_actor else [],
        hadBetrokkenen=[Ref(k) for k in (record_uuid(r) for r in moment.klantcontactmomenten) if k],
        nummer=nummer,
        referentienummer=referentienummer,
        kanaal=clip(text(cm, "kanaal"), 50),
        onderwerp=clip(onderwerp, 200),
        inhoud=clip(text(cm, "tekst"), 1000),
        reactie=clip(text(cm, "antwoord"), 4000),
        taal=taal(text(cm, "voorkeurstaal")),
        vertrouwelijk=False,
        plaatsgevondenOp=registratie,
    )


def betrokkene(kcm: Record, cm: Record | None, klant: Record | None) -> Betrokkene:
    """A klantcontactmoment as betrokkene; `klant` is None when it cannot be read (then no partij)."""
    key = record_uuid(kcm)
    moment = uuid_of(kcm.get("contactmoment"))
    if key is None or moment is None:
        raise Unmappable("klantcontactmoment without url or contactmoment")
    klant_key = record_uuid(klant) if klant is not None else None
    persoon = klant is not None and soort_partij(klant) == "persoon"
    return Betrokkene(
        key=key,
        wasPartij=Ref(klant_key) if klant_key else None,
        hadKlantcontact=Ref(moment),
        contactnaam=contactnaam(klant) if persoon and klant is not None else Contactnaam(),
        rol=ROL.get(text(kcm, "rol"), "klant"),  # type: ignore[arg-type]
        organisatienaam=organisatienaam(klant) if klant is not None else "",
        initiator=text(cm, "initiatiefnemer") == "klant",
    )


def onderwerpobject_object(ocm: Record, register: str) -> Onderwerpobject:
    key, moment = record_uuid(ocm), uuid_of(ocm.get("contactmoment"))
    if key is None or moment is None:
        raise Unmappable("objectcontactmoment without url or contactmoment")
    kind = text(ocm, "objectType") or "zaak"
    ident = zaak_identificator(ocm.get("object"), register)
    return Onderwerpobject(
        key=key,
        klantcontact=Ref(moment),
        onderwerpobjectidentificator=ident.model_copy(update={"codeObjecttype": kind}),
        zaak=zaak_facts(ocm.get("object")) if kind == "zaak" else None,
    )


def onderwerpobject_zaakcontactmoment(zcm: Record, register: str, contactmomenten: bool) -> Onderwerpobject:
    """A Zaken API zaakcontactmoment; it names a klantcontact only when the Contactmomenten API
    that holds it is configured in this source."""
    key = record_uuid(zcm)
    if key is None:
        raise Unmappable("zaakcontactmoment without uuid")
    moment = uuid_of(zcm.get("contactmoment")) if contactmomenten else None
    return Onderwerpobject(
        key=derived(key, ZCM),
        klantcontact=Ref(moment) if moment else None,
        onderwerpobjectidentificator=zaak_identificator(zcm.get("zaak"), register),
        zaak=zaak_facts(zcm.get("zaak")),
    )


def onderwerpobject_vorig(moment: Contactmoment) -> Onderwerpobject | None:
    """The earlier contactmoment this one follows up, as Klantinteracties chains contacts."""
    previous = uuid_of(moment.record.get("vorigContactmoment"))
    if previous is None:
        return None
    return Onderwerpobject(key=derived(moment.key, VORIG), klantcontact=Ref(moment.key), wasKlantcontact=Ref(previous))


def onderwerpobjecten(moment: Contactmoment, contactmomenten: bool = True) -> list[Onderwerpobject]:
    found = [onderwerpobject_object(o, moment.zaak_register) for o in moment.objectcontactmomenten if record_uuid(o)]
    found += [
        onderwerpobject_zaakcontactmoment(z, moment.zaak_register, contactmomenten)
        for z in moment.unmirrored_zaakcontactmomenten()
        if record_uuid(z)
    ]
    vorig = onderwerpobject_vorig(moment)
    return found + ([vorig] if vorig else [])


# --- Zaken API klantcontacten ----------------------------------------------------------------


def zaak_klantcontact(kc: Record) -> Klantcontact:
    """The Zaken API's own (deprecated) klantcontact; it names no betrokkene (ADR 8, Q10)."""
    key = record_uuid(kc)
    moment = parse_moment(kc.get("datumtijd"))
    if key is None or moment is None:
        raise Unmappable("zaak klantcontact without uuid or datumtijd")
    nummer, referentienummer = zaak_klantcontact_nummer(kc, derived(key, ZAAK))
    return Klantcontact(
        key=derived(key, ZAAK),
        gingOverOnderwerpobjecten=[Ref(derived(key, ZAAK))],
        nummer=nummer,
        referentienummer=referentienummer,
        kanaal=clip(text(kc, "kanaal"), 50),
        onderwerp=clip(text(kc, "onderwerp"), 200),
        inhoud=clip(text(kc, "toelichting"), 1000),
        taal=DEFAULT_TAAL,
        vertrouwelijk=False,
        plaatsgevondenOp=moment,
    )


def zaak_klantcontact_onderwerpobject(kc: Record, register: str) -> Onderwerpobject:
    key = record_uuid(kc)
    if key is None:
        raise Unmappable("zaak klantcontact without uuid")
    return Onderwerpobject(
        key=derived(key, ZAAK),
        klantcontact=Ref(derived(key, ZAAK)),
        onderwerpobjectidentificator=zaak_identificator(kc.get("zaak"), register),
        zaak=zaak_facts(kc.get("zaak")),
    )
