"""Identificator conventions: how clients spell a medewerker, an afdeling, a groep or a zaak.

Klantinteracties leaves the codes of an actor's or onderwerpobject's identificator to the
municipality, and every client picked its own: KISS and ITA look an employee up by e-mail under
`mdw/msei/email` (or `mdw/handmatig/email`) and by id under `mdw/obj/idf`, and keep only zaken
written `zgw-Zaak/openzaak/uuid`; ZAC writes `zaak/open-zaak/uuid`; Open Inwoner looks a zaak
up by its identificatie. A *convention* is one such spelling: three codes, and which fact fills
`objectId`. Sources report facts (`ki.ActorFacts`, `ki.ZaakFacts`); a *profile* says, per kind
of subject, which conventions a client reads, in order of preference: the first whose fact the
source knows is published. A filter in any known convention is matched against the facts.

Pure data and functions: the engine renders and matches with them, mappings read upstream
identificators with them, and writes translate an incoming identificator with `read`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import ValidationError

from mapping.ki import Actor, ActorFacts, Identificator, KIObject, Onderwerpobject, ZaakFacts

Subject = Literal["medewerker", "afdeling", "groep", "zaak"]
Fact = Literal["emailadres", "identificatie", "uuid"]

SUBJECTS: tuple[Subject, ...] = ("medewerker", "afdeling", "groep", "zaak")
FACTS: dict[Subject, tuple[Fact, ...]] = {
    "medewerker": ("emailadres", "identificatie"),
    "afdeling": ("identificatie",),
    "groep": ("identificatie",),
    "zaak": ("uuid", "identificatie"),
}
"""The facts a convention of each subject may publish as `objectId`."""

IDENTIFICATOR_FIELDS: dict[type[KIObject], str] = {
    Actor: "actoridentificator",
    Onderwerpobject: "onderwerpobjectidentificator",
}
"""The identificator group that conventions spell, per resource model."""

Conventions = Mapping[Subject, tuple["Convention", ...]]


@dataclass(frozen=True)
class Convention:
    """One spelling of a subject: three codes, and the fact that fills `objectId`."""

    codeObjecttype: str
    codeRegister: str
    codeSoortObjectId: str
    objectId: Fact

    def render(self, value: str) -> Identificator:
        return Identificator(
            objectId=value,
            codeObjecttype=self.codeObjecttype,
            codeRegister=self.codeRegister,
            codeSoortObjectId=self.codeSoortObjectId,
        )

    def spells(self, identificator: Identificator) -> bool:
        """Is this identificator written in this convention (its three codes)?"""
        return (identificator.codeObjecttype, identificator.codeRegister, identificator.codeSoortObjectId) == (
            self.codeObjecttype,
            self.codeRegister,
            self.codeSoortObjectId,
        )


def _c(codes: str, fact: Fact) -> Convention:
    objecttype, register, soort = codes.split("/")
    return Convention(objecttype, register, soort, fact)


MSEI_EMAIL = _c("mdw/msei/email", "emailadres")
HANDMATIG_EMAIL = _c("mdw/handmatig/email", "emailadres")
MDW_OBJ_IDF = _c("mdw/obj/idf", "identificatie")
AFD_OBJ_IDF = _c("afd/obj/idf", "identificatie")
GRP_OBJ_IDF = _c("grp/obj/idf", "identificatie")
ZAAK_UUID = _c("zaak/open-zaak/uuid", "uuid")
ZAAK_NUMMER = _c("zaak/open-zaak/zaaknummer", "identificatie")
ZGW_ZAAK_UUID = _c("zgw-Zaak/openzaak/uuid", "uuid")


@dataclass(frozen=True)
class Profile:
    """What one client reads: per subject, the conventions to publish in, preferred first.
    A subject without conventions, or whose source knows none of their facts, keeps the
    identificator its source gave it."""

    name: str
    conventions: Conventions = field(default_factory=dict)

    def identificator(self, obj: KIObject) -> Identificator | None:
        """The identificator this profile publishes for `obj`; None: keep the source's own."""
        found = subject_of(obj)
        if found is None:
            return None
        subject, facts = found
        for convention in self.conventions.get(subject, ()):
            if value := facts.get(convention.objectId):
                return convention.render(value)
        return None


_ACTORS: Conventions = {"afdeling": (AFD_OBJ_IDF,), "groep": (GRP_OBJ_IDF,)}
OPEN_KLANT = Profile(
    "open-klant",
    {**_ACTORS, "medewerker": (MDW_OBJ_IDF, HANDMATIG_EMAIL), "zaak": (ZAAK_UUID, ZAAK_NUMMER)},
)
"""The default: zaken as Open Klant's own data and zaak events spell them; employees as KISS's
registers do (`obj`, else `handmatig`)."""
KCC = {**_ACTORS, "medewerker": (MSEI_EMAIL, MDW_OBJ_IDF), "zaak": (ZGW_ZAAK_UUID, ZAAK_NUMMER)}

READY_MADE: dict[str, Profile] = {
    "open-klant": OPEN_KLANT,
    "kiss": Profile("kiss", KCC),
    "ita": Profile("ita", KCC),
    "open-inwoner": Profile("open-inwoner", {**OPEN_KLANT.conventions, "zaak": (ZAAK_NUMMER, ZAAK_UUID)}),
    "zac": Profile("zac", OPEN_KLANT.conventions),
    "gzac": Profile("gzac", OPEN_KLANT.conventions),
    "nl-portal": Profile("nl-portal", OPEN_KLANT.conventions),
    "open-forms": Profile("open-forms", OPEN_KLANT.conventions),
    "open-klant-client": Profile("open-klant-client", OPEN_KLANT.conventions),
}
"""A profile per real client (docs/configuration.md says why each is what it is)."""

WELL_KNOWN: Conventions = {
    "medewerker": (MSEI_EMAIL, HANDMATIG_EMAIL, MDW_OBJ_IDF),
    "afdeling": (AFD_OBJ_IDF,),
    "groep": (GRP_OBJ_IDF,),
    "zaak": (ZAAK_UUID, ZGW_ZAAK_UUID, ZAAK_NUMMER),
}
"""Every convention a filter is understood in, whatever the caller's profile."""


def known(profiles: Iterable[Profile]) -> Conventions:
    """The well-known conventions and those of these profiles, per subject, without repeats."""
    merged: dict[Subject, tuple[Convention, ...]] = {}
    for subject in SUBJECTS:
        found = [*WELL_KNOWN.get(subject, ()), *(c for p in profiles for c in p.conventions.get(subject, ()))]
        merged[subject] = tuple(dict.fromkeys(found))
    return merged


def subject_of(obj: KIObject) -> tuple[Subject, dict[Fact, str]] | None:
    """What `obj` identifies, and the facts its source knows of it (only non-empty ones)."""
    if isinstance(obj, Actor) and obj.facts is not None:
        facts = obj.facts
        values = {"emailadres": facts.emailadres, "identificatie": facts.identificatie}
        return facts.soort, {fact: v for fact in FACTS[facts.soort] if (v := values.get(fact))}  # type: ignore[misc]
    if isinstance(obj, Onderwerpobject) and obj.zaak is not None:
        values = {"uuid": obj.zaak.uuid, "identificatie": obj.zaak.identificatie}
        return "zaak", {fact: v for fact, v in values.items() if v}  # type: ignore[misc]
    return None


def forms(obj: KIObject, conventions: Conventions) -> list[Identificator]:
    """Every identificator `obj` may be found by: its source's own, and each convention of its
    subject whose fact is known."""
    own = getattr(obj, IDENTIFICATOR_FIELDS.get(type(obj), ""), None)
    found = [own] if isinstance(own, Identificator) else []
    subject = subject_of(obj)
    if subject is not None:
        kind, facts = subject
        found += [c.render(facts[c.objectId]) for c in conventions.get(kind, ()) if facts.get(c.objectId)]
    return found


def read(identificator: Identificator | None, conventions: Conventions) -> tuple[Subject, Fact, str] | None:
    """Which subject and fact an identificator names, if it is written in a known convention:
    `mdw/msei/email/a@b.nl` -> ("medewerker", "emailadres", "a@b.nl"). None for anything else
    (an unknown spelling, an empty objectId). This is how an identificator that a client writes,
    or that an upstream holds, becomes facts."""
    if identificator is None or not identificator.objectId:
        return None
    for subject in SUBJECTS:
        for convention in conventions.get(subject, ()):
            if convention.spells(identificator):
                return subject, convention.objectId, identificator.objectId
    return None


def facts_from(
    identificator: Identificator | None, conventions: Conventions = WELL_KNOWN
) -> ActorFacts | ZaakFacts | None:
    """The facts an identificator in a known convention states (`zaak/open-zaak/uuid/<uuid>`: a
    zaak with that UUID), or None. A value its fact cannot hold (a `uuid` that is no UUID) states
    nothing."""
    found = read(identificator, conventions)
    if found is None:
        return None
    subject, fact, value = found
    try:
        if subject == "zaak":
            return ZaakFacts(**{fact: value})
        return ActorFacts(soort=subject, **{fact: value})
    except ValidationError:
        return None
