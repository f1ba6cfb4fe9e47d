"""The CRM stub's native records as Klantinteracties objects: pure functions, no I/O.

The CRM has customers, a contact log, tasks and staff; Klantinteracties splits those into
fourteen resources. Objects that are a *part* of a native record (an identifier, an e-mail
field, a participant) get a key derived from the record's id, so they need no storage and a
key alone tells which record to read. Every key fits a façade text key (at most 15 UTF-8
bytes) given the id shapes `dataset.py` enforces: customer numbers 6 digits, contact and task
ids 6-7 digits, staff ids at most 6 characters, at most 99 parts of one kind per record.

=========================  ==================================  ==========================
resource                   key                                 example
=========================  ==================================  ==========================
partijen                   ``<customer>``                      ``100001``
partij-identificatoren     ``<customer>:bsn|kvk|vtn|rsin``     ``100001:bsn``
digitaleadressen           ``<customer>:email|phone|mobile``   ``100001:mobile``
digitaleadressen (more)    ``<customer>:a<detail index>``      ``100001:a0``
digitaleadressen (one-off) ``<contact>:<participant>:p|e``     ``500004:0:p``
rekeningnummers            ``<customer>:i<index>``             ``100001:i0``
categorie-relaties         ``<customer>:c<index>``             ``100001:c0``
vertegenwoordigingen       ``<representative>:r<represented>`` ``100009:r100010``
klantcontacten             ``<contact>``                       ``500001``
betrokkenen                ``<contact>:<participant index>``   ``500001:0``
onderwerpobjecten          ``<contact>:z<case index>``         ``500002:z0``
onderwerpobjecten          ``<contact>:prev`` (follows up)     ``500007:prev``
onderwerpobjecten          ``<contact>:x<link index>``         ``500007:x0``
bijlagen                   ``<contact>:d<document index>``     ``500003:d1``
actoren                    ``<staff id>``                      ``E014``, ``D03``, ``SYS01``
actorklantcontacten        ``<contact>:<staff id>``            ``500001:E014``
internetaken               ``<task>``                          ``700001``
categorieen                ``<category id>``                   ``CAT01``
=========================  ==================================  ==========================

The ``*_of`` functions list the parts of one native record as ``(key, build)`` pairs, so the
adapter builds only the keys it needs and can skip one part that fails validation without
losing its siblings. A part's index is its row number in the record's sub-table: a removed row
keeps its place (`rows`), so keys stay stable when an earlier part is removed.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Literal

from mapping.conventions import facts_from
from mapping.crm_records import (
    Address,
    Category,
    Contact,
    ContactDetail,
    Customer,
    Department,
    Employee,
    IdentifierKind,
    Item,
    Participant,
    Staff,
    SystemUser,
    Task,
    rows,
)
from mapping.ki import (
    Actor,
    ActorFacts,
    ActorKlantcontact,
    Adres,
    Betrokkene,
    Bijlage,
    Categorie,
    CategorieRef,
    CategorieRelatie,
    CategorieRelatieRef,
    Contactnaam,
    Contactpersoon,
    DigitaalAdres,
    GeautomatiseerdeActor,
    Identificator,
    InterneTaak,
    KIObject,
    Klantcontact,
    Medewerker,
    Onderwerpobject,
    Organisatie,
    OrganisatorischeEenheid,
    Partij,
    PartijIdentificator,
    PartijIdentificatorGroep,
    Persoon,
    Ref,
    Rekeningnummer,
    Vertegenwoordiging,
    ZaakFacts,
)

Lazy = tuple[str, Callable[[], KIObject]]
"""A key and the function that builds its object."""

# --- code tables -----------------------------------------------------------------------------

KANAAL = {
    "PHONE": "telefoon",
    "DESK": "balie",
    "EMAIL": "e-mail",
    "LETTER": "brief",
    "HOME_VISIT": "keukentafelgesprek",
    "WEBFORM": "e-formulier",
    "CHAT": "chat",
}
CHANNEL_BY_KANAAL = {kanaal: channel for channel, kanaal in KANAAL.items()}


def channel_of(kanaal: str) -> str | None:
    """The CRM's channel for a kanaal: its code, or the kanaal's own name for a channel the CRM
    has no code for; None for a name that is one of the codes (it would read back as another kanaal)."""
    if kanaal in CHANNEL_BY_KANAAL:
        return CHANNEL_BY_KANAAL[kanaal]
    return None if kanaal in KANAAL else kanaal


SOORT_PARTIJ = {"person": "persoon", "organisation": "organisatie", "contact_person": "contactpersoon"}
KIND_BY_SOORT_PARTIJ = {soort: kind for kind, soort in SOORT_PARTIJ.items()}

STATUS = {"open": "te_verwerken", "done": "verwerkt"}
STATUS_BY_KI = {ki: native for native, ki in STATUS.items()}

ROL = {"customer": "klant", "representative": "vertegenwoordiger"}

# identifier kind -> (codeObjecttype, codeSoortObjectId, codeRegister), as Open Klant enforces them
IDENTIFIER_CODES: dict[IdentifierKind, tuple[str, str, str]] = {
    "bsn": ("natuurlijk_persoon", "bsn", "brp"),
    "kvk": ("niet_natuurlijk_persoon", "kvk_nummer", "hr"),
    "vestigingsnummer": ("vestiging", "vestigingsnummer", "hr"),
    "rsin": ("niet_natuurlijk_persoon", "rsin", "hr"),
}
IDENTIFIER_SUFFIX: dict[IdentifierKind, str] = {"bsn": "bsn", "kvk": "kvk", "vestigingsnummer": "vtn", "rsin": "rsin"}

ADDRESS_KINDS = ("email", "phone", "mobile")
ADDRESS_SOORT = {"email": "email", "phone": "telefoonnummer", "mobile": "telefoonnummer"}
DETAIL_SOORT = {"email": "email", "phone": "telefoonnummer", "other": "overig"}
DETAIL_KIND_BY_SOORT = {soort: kind for kind, soort in DETAIL_SOORT.items()}
ADDRESS_OMSCHRIJVING = {"email": "E-mail", "phone": "Telefoon", "mobile": "Mobiel"}
# `referentie` names the CRM field, unique per partij and soort as Open Klant requires.
ADDRESS_REFERENTIE = {"email": "email", "phone": "telefoon", "mobile": "mobiel"}
ONE_OFF_SUFFIX = {"phone": "p", "email": "e"}

# staff record type -> (soortActor, codeObjecttype of its actoridentificator)
SOORT_ACTOR: dict[type, tuple[str, str]] = {
    Employee: ("medewerker", "mdw"),
    Department: ("organisatorische_eenheid", "afd"),
    SystemUser: ("geautomatiseerde_actor", "sys"),
}

DEFAULT_ZAAK_REGISTER = "open-zaak"


def identifier_kinds(
    codeObjecttype: str | None = None, codeSoortObjectId: str | None = None, codeRegister: str | None = None
) -> tuple[IdentifierKind, ...]:
    """The native identifier kinds whose Klantinteracties codes agree with every given code."""
    wanted = (codeObjecttype, codeSoortObjectId, codeRegister)
    return tuple(
        kind
        for kind, codes in IDENTIFIER_CODES.items()
        if all(w is None or w == code for w, code in zip(wanted, codes, strict=True))
    )


# --- keys ------------------------------------------------------------------------------------


def owner(key: str) -> str:
    """The id of the native record a (derived) key belongs to."""
    return key.partition(":")[0]


def identificator_key(number: str, kind: IdentifierKind) -> str:
    return f"{number}:{IDENTIFIER_SUFFIX[kind]}"


def adres_key(number: str, kind: str) -> str:
    return f"{number}:{kind}"


def detail_key(number: str, index: int) -> str:
    return f"{number}:a{index}"


def los_adres_key(contact_id: str, index: int, kind: Literal["phone", "email"]) -> str:
    return f"{contact_id}:{index}:{ONE_OFF_SUFFIX[kind]}"


def betrokkene_key(contact_id: str, index: int) -> str:
    return f"{contact_id}:{index}"


def item_key(item: Item) -> str:
    """The key of the Klantinteracties object that one CRM item row stands for."""
    kind, n, i = item.kind, item.owner, item.index
    if kind in IDENTIFIER_SUFFIX:
        return identificator_key(n, kind)  # type: ignore[arg-type]
    if kind in ADDRESS_KINDS:
        return adres_key(n, kind)
    if kind.startswith("detail_"):
        return detail_key(n, i)
    if kind in ("participant_phone", "participant_email"):
        return los_adres_key(n, i, kind.removeprefix("participant_"))  # type: ignore[arg-type]
    keys = {
        "bank_account": f"{n}:i{i}",
        "category": f"{n}:c{i}",
        "represents": f"{n}:r{item.target}",
        "participant": betrokkene_key(n, i),
        "case": f"{n}:z{i}",
        "follow_up": f"{n}:prev",
        "link": f"{n}:x{i}",
        "link_previous": f"{n}:x{i}",
        "document": f"{n}:d{i}",
        "handler": f"{n}:{item.target}",
    }
    return keys[kind]


# --- shared value groups ---------------------------------------------------------------------


def adres(address: Address | None) -> Adres:
    """An address; the free lines repeat it for clients that only show `adresregel*`."""
    if address is None:
        return Adres()
    number = f"{address.house_number or ''}{address.addition}"
    return Adres(
        nummeraanduidingId=address.bag_id,
        straatnaam=address.street,
        huisnummer=address.house_number,
        huisnummertoevoeging=address.addition,
        postcode=address.postcode,
        stad=address.city,
        adresregel1=" ".join(p for p in (address.street, number) if p),
        adresregel2=" ".join(p for p in (address.postcode, address.city) if p),
        land=address.country,
    )


def contactnaam(person: Customer | Participant | Employee) -> Contactnaam:
    return Contactnaam(
        voorletters=person.initials,
        voornaam=person.first_name,
        voorvoegselAchternaam=person.prefix,
        achternaam=person.last_name,
    )


# --- customers -------------------------------------------------------------------------------


def partij(c: Customer, betrokkenen: Sequence[str], categories: Mapping[str, Category]) -> Partij:
    """A customer as partij; `betrokkenen` are the keys of its participations in contacts."""
    if c.kind == "person":
        identificatie = Persoon(contactnaam=contactnaam(c))
    elif c.kind == "organisation":
        identificatie = Organisatie(naam=c.org_name)
    else:
        werkgever = Ref(c.works_for) if c.works_for else None
        identificatie = Contactpersoon(werkteVoorPartij=werkgever, contactnaam=contactnaam(c))
    voorkeur = c.preferred_channel
    return Partij(
        key=c.number,
        nummer=c.number,
        interneNotitie=c.note,
        betrokkenen=[Ref(key) for key in betrokkenen],
        categorieRelaties=[
            CategorieRelatieRef(key, naam, start, end) for key, naam, start, end in _memberships(c, categories)
        ],
        digitaleAdressen=[Ref(key) for key, _ in adressen_of(c)],
        voorkeursDigitaalAdres=Ref(adres_key(c.number, voorkeur)) if voorkeur and getattr(c, voorkeur) else None,
        vertegenwoordigden=[Ref(other) for other in c.represents],
        rekeningnummers=[Ref(key) for key, _ in rekeningnummers_of(c)],
        partijIdentificatoren=[build() for _, build in identificatoren_of(c)],  # type: ignore[misc]
        soortPartij=SOORT_PARTIJ[c.kind],
        indicatieGeheimhouding=c.confidential,
        voorkeurstaal=c.language,
        indicatieActief=c.active,
        bezoekadres=adres(c.visit_address),
        correspondentieadres=adres(c.postal_address),
        partijIdentificatie=identificatie,
    )


def partij_identificator(c: Customer, kind: IdentifierKind) -> PartijIdentificator:
    """A register identifier; a vestigingsnummer is scoped by the KvK number (own, or its company's)."""
    codeObjecttype, codeSoortObjectId, codeRegister = IDENTIFIER_CODES[kind]
    scope = None
    if kind == "vestigingsnummer" and (c.kvk or c.branch_of):
        scope = Ref(identificator_key(c.number if c.kvk else c.branch_of, "kvk"))  # type: ignore[arg-type]
    return PartijIdentificator(
        key=identificator_key(c.number, kind),
        identificeerdePartij=Ref(c.number),
        partijIdentificator=PartijIdentificatorGroep(
            codeObjecttype=codeObjecttype,
            codeSoortObjectId=codeSoortObjectId,
            objectId=getattr(c, kind),
            codeRegister=codeRegister,
        ),
        subIdentificatorVan=scope,
    )


def digitaal_adres(c: Customer, kind: str) -> DigitaalAdres:
    """A contact field of the customer; the default per soort is the preferred one, else the landline,
    unless one of the customer's other details of that soort is its default."""
    if any(d.default and DETAIL_SOORT[d.kind] == ADDRESS_SOORT[kind] for _, d in rows(c.contact_details)):
        default = False
    elif kind == "email":
        default = True
    elif kind == "phone":
        default = not (c.preferred_channel == "mobile" and c.mobile)
    else:
        default = c.preferred_channel == "mobile" or not c.phone
    return DigitaalAdres(
        key=adres_key(c.number, kind),
        verstrektDoorPartij=Ref(c.number),
        adres=getattr(c, kind),
        soortDigitaalAdres=ADDRESS_SOORT[kind],
        isStandaardAdres=default,
        omschrijving=ADDRESS_OMSCHRIJVING[kind],
        referentie=ADDRESS_REFERENTIE[kind],
        verificatieDatum=c.email_verified_on if kind == "email" else None,
    )


def detail_adres(c: Customer, index: int) -> DigitaalAdres:
    """One of the customer's other contact details; one given at a contact belongs to that
    contact's participant too."""
    detail: ContactDetail = c.contact_details[index]  # type: ignore[assignment]
    given_by = None
    if detail.given_at is not None and detail.participant is not None:
        given_by = Ref(betrokkene_key(detail.given_at, detail.participant))
    return DigitaalAdres(
        key=detail_key(c.number, index),
        verstrektDoorPartij=Ref(c.number),
        verstrektDoorBetrokkene=given_by,
        adres=detail.value,
        soortDigitaalAdres=DETAIL_SOORT[detail.kind],
        isStandaardAdres=detail.default,
        omschrijving=detail.label,
        referentie=detail.reference,
        verificatieDatum=detail.verified_on,
    )


def rekeningnummer(c: Customer, index: int) -> Rekeningnummer:
    account = c.bank_accounts[index]
    assert account is not None
    return Rekeningnummer(key=f"{c.number}:i{index}", partij=Ref(c.number), iban=account.iban, bic=account.bic)


def categorie_relatie(c: Customer, index: int, categories: Mapping[str, Category]) -> CategorieRelatie:
    key, naam, start, end = next(m for i, m in _indexed_memberships(c, categories) if i == index)
    category_id = c.categories[index].category  # type: ignore[union-attr]
    return CategorieRelatie(
        key=key,
        partij=Ref(c.number),
        categorie=CategorieRef(category_id, naam or ""),
        beginDatum=start,
        eindDatum=end,
    )


def vertegenwoordiging(c: Customer, represented: str) -> Vertegenwoordiging:
    return Vertegenwoordiging(
        key=f"{c.number}:r{represented}",
        vertegenwoordigendePartij=Ref(c.number),
        vertegenwoordigdePartij=Ref(represented),
    )


def _indexed_memberships(c: Customer, categories: Mapping[str, Category]) -> list[tuple[int, tuple]]:
    return [
        (i, (f"{c.number}:c{i}", categories[m.category].name if m.category in categories else None, m.start, m.end))
        for i, m in rows(c.categories)
    ]


def _memberships(c: Customer, categories: Mapping[str, Category]) -> list[tuple]:
    return [membership for _, membership in _indexed_memberships(c, categories)]


def identificatoren_of(c: Customer) -> list[Lazy]:
    return [(identificator_key(c.number, kind), partial(partij_identificator, c, kind)) for kind in c.identifiers()]


def adressen_of(c: Customer) -> list[Lazy]:
    fixed = [
        (adres_key(c.number, kind), partial(digitaal_adres, c, kind)) for kind in ADDRESS_KINDS if getattr(c, kind)
    ]
    return fixed + [(detail_key(c.number, i), partial(detail_adres, c, i)) for i, _ in rows(c.contact_details)]


def rekeningnummers_of(c: Customer) -> list[Lazy]:
    return [(f"{c.number}:i{i}", partial(rekeningnummer, c, i)) for i, _ in rows(c.bank_accounts)]


def categorie_relaties_of(c: Customer, categories: Mapping[str, Category]) -> list[Lazy]:
    return [(f"{c.number}:c{i}", partial(categorie_relatie, c, i, categories)) for i, _ in rows(c.categories)]


def vertegenwoordigingen_of(c: Customer) -> list[Lazy]:
    return [(f"{c.number}:r{other}", partial(vertegenwoordiging, c, other)) for other in c.represents]


# --- contacts --------------------------------------------------------------------------------


def klantcontact(contact: Contact, taken: Sequence[str], actoren: Sequence[Actor]) -> Klantcontact:
    """A contact; `taken` are the ids of its tasks, `actoren` its handlers (embedded in full)."""
    return Klantcontact(
        key=contact.id,
        gingOverOnderwerpobjecten=[Ref(key) for key, _ in onderwerpobjecten_of(contact)],
        hadBetrokkenActoren=list(actoren),
        omvatteBijlagen=[Ref(key) for key, _ in bijlagen_of(contact)],
        hadBetrokkenen=[Ref(betrokkene_key(contact.id, i)) for i, _ in rows(contact.participants)],
        leiddeTotInterneTaken=[Ref(task) for task in taken],
        nummer=contact.reference,
        referentienummer=contact.reference,
        kanaal=KANAAL.get(contact.channel, contact.channel),
        onderwerp=contact.subject,
        # The CRM keeps unlimited notes; the contract allows 1000 characters.
        inhoud=contact.notes[:1000],
        reactie=contact.answer,
        indicatieContactGelukt=contact.successful,
        verdereActieOndernomen=bool(taken),
        taal=contact.language,
        vertrouwelijk=contact.confidential,
        plaatsgevondenOp=contact.at,
    )


def betrokkene(contact: Contact, index: int, customer: Customer | None) -> Betrokkene:
    """Participant `index`; its name is the one given at the contact, else the customer's."""
    p = contact.participants[index]
    assert p is not None
    if p.has_name:
        naam = contactnaam(p)
    elif customer is not None and customer.kind != "organisation":
        naam = contactnaam(customer)
    else:
        naam = Contactnaam()
    organisatie = p.org_name or (customer.org_name if customer is not None else "")
    return Betrokkene(
        key=betrokkene_key(contact.id, index),
        wasPartij=Ref(p.customer) if p.customer else None,
        hadKlantcontact=Ref(contact.id),
        digitaleAdressen=[Ref(key) for key, _ in _los_adressen(contact, index)]
        + [Ref(key) for key in _details_given(contact.id, index, customer)],
        correspondentieadres=adres(p.address),
        contactnaam=naam,
        rol=ROL[p.role],
        organisatienaam=organisatie,
        initiator=p.initiated,
    )


def los_digitaal_adres(contact: Contact, index: int, kind: Literal["phone", "email"]) -> DigitaalAdres:
    """A phone number or e-mail address given once, for the follow-up of this contact only."""
    return DigitaalAdres(
        key=los_adres_key(contact.id, index, kind),
        verstrektDoorBetrokkene=Ref(betrokkene_key(contact.id, index)),
        adres=getattr(contact.participants[index], kind),  # a row of `rows`: never a removed one
        soortDigitaalAdres="email" if kind == "email" else "telefoonnummer",
        omschrijving=getattr(contact.participants[index], f"{kind}_label") or "Opgegeven bij contact",
    )


def onderwerpobject_zaak(contact: Contact, index: int, register: str = DEFAULT_ZAAK_REGISTER) -> Onderwerpobject:
    """A case link: the CRM knows the zaak's number, and its UUID when it was linked with one."""
    case = contact.cases[index]
    assert case is not None
    return Onderwerpobject(
        key=f"{contact.id}:z{index}",
        klantcontact=Ref(contact.id),
        onderwerpobjectidentificator=Identificator(
            objectId=case.ref,
            codeObjecttype="zaak",
            codeRegister=register,
            codeSoortObjectId="uuid" if case.zaak_uuid else "zaaknummer",
        ),
        zaak=ZaakFacts(uuid=_canonical_uuid(case.zaak_uuid), identificatie=case.zaaknummer),
    )


def _canonical_uuid(value: str) -> str:
    """A UUID as the façade compares them (lower case, with dashes); "" for none or a malformed one."""
    try:
        return str(uuidlib.UUID(value)) if value else ""
    except ValueError:
        return ""


def onderwerpobject_vorig(contact: Contact) -> Onderwerpobject:
    """The earlier contact this one follows up (answers) is its subject."""
    return Onderwerpobject(
        key=f"{contact.id}:prev", klantcontact=Ref(contact.id), wasKlantcontact=Ref(contact.follows_up)
    )


def onderwerpobject_link(contact: Contact, index: int) -> Onderwerpobject:
    """A link to an object in another system, or to an earlier contact (with its identificator)."""
    link = contact.links[index]
    assert link is not None
    return Onderwerpobject(
        key=f"{contact.id}:x{index}",
        klantcontact=Ref(contact.id),
        wasKlantcontact=Ref(link.previous_contact) if link.previous_contact else None,
        onderwerpobjectidentificator=Identificator(
            objectId=link.object_id,
            codeObjecttype=link.object_type,
            codeRegister=link.register,
            codeSoortObjectId=link.id_kind,
        ),
    )


def bijlage(contact: Contact, index: int) -> Bijlage:
    return Bijlage(
        key=f"{contact.id}:d{index}",
        wasBijlageVanKlantcontact=Ref(contact.id),
        bijlageidentificator=Identificator(
            objectId=contact.documents[index].document_uuid,  # type: ignore[union-attr]
            codeObjecttype="informatieobject",
            codeRegister="open-zaak",
            codeSoortObjectId="uuid",
        ),
    )


def actorklantcontact(contact: Contact, staff_id: str) -> ActorKlantcontact:
    return ActorKlantcontact(key=f"{contact.id}:{staff_id}", actor=Ref(staff_id), klantcontact=Ref(contact.id))


def _details_given(contact_id: str, index: int, customer: Customer | None) -> list[str]:
    """Keys of the customer's contact details given at this contact, as this participant."""
    if customer is None:
        return []
    return [
        detail_key(customer.number, i)
        for i, d in rows(customer.contact_details)
        if d.given_at == contact_id and d.participant == index
    ]


def _los_adressen(contact: Contact, index: int) -> list[Lazy]:
    p = contact.participants[index]
    assert p is not None
    return [
        (los_adres_key(contact.id, index, kind), partial(los_digitaal_adres, contact, index, kind))
        for kind in ("phone", "email")
        if getattr(p, kind)
    ]


def los_adressen_of(contact: Contact) -> list[Lazy]:
    return [lazy for i, _ in rows(contact.participants) for lazy in _los_adressen(contact, i)]


def betrokkenen_of(contact: Contact, customers: Mapping[str, Customer]) -> list[Lazy]:
    return [
        (betrokkene_key(contact.id, i), partial(betrokkene, contact, i, customers.get(p.customer or "")))
        for i, p in rows(contact.participants)
    ]


def onderwerpobjecten_of(contact: Contact, register: str = DEFAULT_ZAAK_REGISTER) -> list[Lazy]:
    lazies: list[Lazy] = [
        (f"{contact.id}:z{i}", partial(onderwerpobject_zaak, contact, i, register)) for i, _ in rows(contact.cases)
    ]
    if contact.follows_up:
        lazies.append((f"{contact.id}:prev", partial(onderwerpobject_vorig, contact)))
    lazies += [(f"{contact.id}:x{i}", partial(onderwerpobject_link, contact, i)) for i, _ in rows(contact.links)]
    return lazies


def bijlagen_of(contact: Contact) -> list[Lazy]:
    return [(f"{contact.id}:d{i}", partial(bijlage, contact, i)) for i, _ in rows(contact.documents)]


def actorklantcontacten_of(contact: Contact) -> list[Lazy]:
    return [(f"{contact.id}:{s}", partial(actorklantcontact, contact, s)) for s in contact.handled_by]


# --- staff, tasks, categories ----------------------------------------------------------------


def actor(staff: Staff) -> Actor:
    """A staff member; employees and departments with the facts clients find them by (their id,
    an employee's e-mail), system users with their own identificator only."""
    soort, code = SOORT_ACTOR[type(staff)]
    if isinstance(staff, Employee):
        naam, actief = staff.full_name, staff.active
        identificatie = Medewerker(functie=staff.function, emailadres=staff.email, telefoonnummer=staff.phone)
    elif isinstance(staff, Department):
        naam, actief = staff.name, True
        identificatie = OrganisatorischeEenheid(
            omschrijving=staff.description, emailadres=staff.email, telefoonnummer=staff.phone
        )
    else:
        naam, actief = staff.name, True
        identificatie = GeautomatiseerdeActor(functie=staff.function, omschrijving=staff.description)
    own = staff.identity
    identificator = (
        Identificator(
            objectId=own.value, codeObjecttype=own.object_type, codeRegister=own.register, codeSoortObjectId=own.id_kind
        )
        if own is not None
        else Identificator(objectId=staff.id, codeObjecttype=code, codeRegister="crm", codeSoortObjectId="idf")
    )
    return Actor(
        key=staff.id,
        naam=naam,
        soortActor=soort,
        indicatieActief=actief,
        actoridentificator=identificator,
        actorIdentificatie=identificatie,
        facts=staff_facts(staff, identificator),
    )


def staff_facts(staff: Staff, identificator: Identificator) -> ActorFacts | None:
    """What clients find a staff member by (only what the CRM can be searched by): the id its
    identificator shows (the CRM's, or another system's written by a client, when that is an id in
    a known convention), and an employee's e-mail address (its own, or the one the identity states).
    System users have their own identificator only."""
    soort = {Employee: "medewerker", Department: "afdeling"}.get(type(staff))
    if soort is None:
        return None
    stated = facts_from(identificator) if staff.identity is not None else None
    stated = stated if isinstance(stated, ActorFacts) and stated.soort == soort else None
    identificatie = staff.id if staff.identity is None else (stated.identificatie if stated else "")
    email = getattr(staff, "email", "") if soort == "medewerker" else ""
    email = email or (stated.emailadres if stated else "")
    if not identificatie and not email:
        return None
    return ActorFacts(soort=soort, identificatie=identificatie, emailadres=email)  # type: ignore[arg-type]


def interne_taak(task: Task) -> InterneTaak:
    return InterneTaak(
        key=task.id,
        nummer=task.id,
        referentienummer=task.id,
        gevraagdeHandeling=task.action,
        aanleidinggevendKlantcontact=Ref(task.contact),
        toegewezenAanActoren=[Ref(a) for a in task.assignees],
        toelichting=task.note,
        status=STATUS[task.status],
        toegewezenOp=task.assigned_at,
        afgehandeldOp=task.done_at,
    )


def categorie(category: Category) -> Categorie:
    return Categorie(key=category.id, naam=category.name)
