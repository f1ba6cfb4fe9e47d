"""Deterministic CRM datasets: the hand-written story (`story.py`) plus seeded random records.

    python -m adapters.crm_stub.generate --profile demo --customers 150 --contacts 250 --seed 1 \\
        --out adapters/crm_stub/data/demo.json

`generate()` returns the JSON form, so benchmarks can build a 100,000-contact CRM in memory:
``Crm(dataset.from_dict(generate(customers=20_000, contacts=100_000)))``. The same arguments
always give the same dataset. Generated BSNs count upwards from the profile's start in the
9999xxxxx test range (then downwards below it once that is used up), all passing the eleven test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.crm_stub import story
from adapters.crm_stub.dataset import eleven_test


@dataclass(frozen=True)
class Profile:
    """Where one CRM's generated ids start, and which of its staff handle what."""

    story: dict[str, Any]
    customer_base: int
    contact_base: int
    task_base: int
    reference_prefix: str
    bsn_start: int
    kvk_base: int
    employees: tuple[str, ...]
    departments: tuple[str, ...]
    intake: dict[str, str]
    """Channel -> the system user that registers contacts arriving over it."""
    categories: tuple[str, ...]


PROFILES = {
    "demo": Profile(
        story.DEMO,
        customer_base=100_101,
        contact_base=500_101,
        task_base=700_101,
        reference_prefix="KC-",
        bsn_start=999_910_000,
        kvk_base=90_000_000,
        employees=("E001", "E002", "E014", "E022", "E031"),
        departments=("D01", "D03", "D05", "D07"),
        intake={"EMAIL": "SYS01", "WEBFORM": "SYS02", "CHAT": "SYS03"},
        categories=("CAT01", "CAT02", "CAT04"),
    ),
    "second": Profile(
        story.SECOND,
        customer_base=300_101,
        contact_base=800_101,
        task_base=900_101,
        reference_prefix="SD-",
        bsn_start=999_960_000,
        kvk_base=95_000_000,
        employees=("M101", "M102"),
        departments=("T01", "T02"),
        intake={"WEBFORM": "P01", "EMAIL": "P01"},
        categories=("C1", "C2"),
    ),
}

FIRST_NAMES = (
    "Anna", "Bram", "Daan", "Emma", "Eva", "Fleur", "Hans", "Ilse", "Jan", "Julia", "Karim", "Lars", "Lisa", "Mila",
    "Noah", "Olga", "Priya", "Ruben", "Sanne", "Sem", "Tess", "Thijs", "Wim", "Yara", "Zoë", "Ahmet", "Bo", "Chen",
)  # fmt: skip
LAST_NAMES = (
    ("", "Jansen"), ("de", "Vries"), ("van den", "Berg"), ("", "Bakker"), ("van", "Dijk"), ("", "Visser"),
    ("", "Smit"), ("", "Meijer"), ("de", "Boer"), ("", "Mulder"), ("de", "Groot"), ("", "Bos"), ("", "Vos"),
    ("", "Peters"), ("", "Hendriks"), ("van", "Leeuwen"), ("", "Dekker"), ("", "Yilmaz"), ("", "Brouwer"),
    ("de", "Wit"), ("", "Dijkstra"), ("", "Kaya"), ("van der", "Meer"), ("el", "Idrissi"), ("", "Nguyen"),
)  # fmt: skip
ORG_WORDS = ("Bakkerij", "Garage", "Kapsalon", "Hoveniersbedrijf", "Installatiebedrijf", "Stichting", "Vereniging")
ORG_FORMS = ("B.V.", "v.o.f.", "", "B.V.")
POSTCODE_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"
STREETS = ("Kerkstraat", "Molenweg", "Schoolstraat", "Stationsplein", "Beukenlaan", "Dorpsstraat", "Parkweg")
CITIES = (("Voorbeeldstad", 1234), ("Oosterdorp", 1240), ("Westerveld", 1250), ("Noordhaven", 1260))
BANKS = (("ABNA", "ABNANL2A"), ("INGB", "INGBNL2A"), ("RABO", "RABONL2U"), ("SNSB", "SNSBNL2A"))
SUBJECTS = {
    "PHONE": ("Vraag over afvalinzameling", "Vraag over WOZ-beschikking", "Melding straatverlichting"),
    "DESK": ("Paspoort ophalen", "Vraag over bijzondere bijstand", "Inleveren formulier"),
    "EMAIL": ("Vraag over belastingaanslag", "Klacht over dienstverlening", "Verzoek om informatie"),
    "LETTER": ("Bezwaar WOZ-waarde", "Brief over kwijtschelding", "Reactie op aanschrijving"),
    "HOME_VISIT": ("Keukentafelgesprek Wmo", "Huisbezoek jeugdhulp"),
    "WEBFORM": ("Melding openbare ruimte", "Aanvraag evenementenvergunning", "Aanvraag parkeervergunning"),
    "CHAT": ("Vraag over openingstijden", "Vraag over afspraak maken"),
}
CHANNEL_WEIGHTS = {"PHONE": 35, "DESK": 12, "EMAIL": 20, "LETTER": 6, "HOME_VISIT": 4, "WEBFORM": 15, "CHAT": 8}
ACTIONS = ("Terugbellen", "Vraag beantwoorden", "Zaak aanmaken", "Informatie opsturen", "Doorsturen naar vakafdeling")
PERIOD_START = dt.datetime(2023, 1, 2, 8, 0, tzinfo=dt.UTC)
PERIOD_SECONDS = 2 * 365 * 24 * 3600


def _valid_numbers(start: int, reserved: set[str]) -> Iterator[str]:
    """9-digit numbers passing the eleven test: upwards from `start`, then downwards below it."""
    for number in itertools.chain(range(start, 1_000_000_000), range(start - 1, 100_000_000, -1)):
        text = f"{number:09d}"
        if text not in reserved and eleven_test(text):
            yield text


def _iban(rng: random.Random) -> dict[str, str]:
    bank, bic = rng.choice(BANKS)
    account = f"{rng.randrange(10**10):010d}"
    digits = "".join(str(int(ch, 36)) for ch in f"{bank}{account}NL00")
    return {"iban": f"NL{98 - int(digits) % 97:02d}{bank}{account}", "bic": bic}


def _address(rng: random.Random) -> dict[str, Any]:
    city, base = rng.choice(CITIES)
    address: dict[str, Any] = {
        "street": rng.choice(STREETS),
        "house_number": rng.randint(1, 250),
        "postcode": f"{base + rng.randrange(6)} {''.join(rng.choices(POSTCODE_LETTERS, k=2))}",
        "city": city,
    }
    if rng.random() < 0.2:
        address["addition"] = rng.choice(("A", "B", "1", "bis"))
    if rng.random() < 0.6:
        address["bag_id"] = f"0{rng.randrange(10**15):015d}"
    return address


def _phone(rng: random.Random, mobile: bool = False) -> str:
    return f"06{rng.randrange(10**8):08d}" if mobile else f"0{rng.randint(10, 99)}{rng.randrange(10**7):07d}"


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum())


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty fields, as the dataset format allows (their defaults are empty too)."""
    return {k: v for k, v in record.items() if v not in (None, "", [])}


class _Generator:
    def __init__(self, profile: Profile, seed: int):
        self.profile = profile
        self.rng = random.Random(seed)  # noqa: S311 - test data, reproducible by design
        reserved = {c.get(k, "") for c in profile.story["customers"] for k in ("bsn", "rsin")}
        self.bsns = _valid_numbers(profile.bsn_start, reserved)
        self.rsins = _valid_numbers(820_000_000, reserved)
        self.organisations: list[dict[str, Any]] = []
        self.customers: list[dict[str, Any]] = []
        self.participants: list[str] = [c["number"] for c in profile.story["customers"]]
        """Who may take part in a generated contact: story and generated customers."""

    def customer(self, number: str) -> dict[str, Any]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.2 or (roll < 0.35 and not self.organisations):
            return self._organisation(number)
        first = rng.choice(FIRST_NAMES)
        prefix, last = rng.choice(LAST_NAMES)
        record: dict[str, Any] = {
            "number": number,
            "initials": f"{first[0]}.",
            "first_name": first,
            "prefix": prefix,
            "last_name": last,
        }
        if roll < 0.35:
            employer = rng.choice(self.organisations)
            domain = _slug(employer["org_name"])[:20] + ".example"
            record |= {"kind": "contact_person", "works_for": employer["number"]}
            record["email"] = f"{_slug(first)}@{domain}"
            record["phone"] = _phone(rng) if rng.random() < 0.7 else ""
            return _compact(record)
        record |= {"kind": "person", "bsn": next(self.bsns) if rng.random() < 0.85 else ""}
        record["visit_address"] = _address(rng)
        if rng.random() < 0.7:
            record["email"] = f"{_slug(first)}.{_slug(prefix + last)}{number[-3:]}@example.nl"
            if rng.random() < 0.4:
                record["email_verified_on"] = (PERIOD_START.date() + dt.timedelta(days=rng.randrange(700))).isoformat()
        if rng.random() < 0.5:
            record["phone"] = _phone(rng)
        if rng.random() < 0.6:
            record["mobile"] = _phone(rng, mobile=True)
        held = [kind for kind in ("email", "phone", "mobile") if record.get(kind)]
        if held and rng.random() < 0.6:
            record["preferred_channel"] = rng.choice(held)
        record["language"] = "eng" if rng.random() < 0.05 else "nld"
        record["confidential"] = rng.choice((None, None, None, False, True))
        record["active"] = rng.random() < 0.95
        if rng.random() < 0.3:
            record["categories"] = [{"id": self.profile.categories[0], "from": f"20{rng.randint(10, 24)}-01-01"}]
        if rng.random() < 0.3:
            record["bank_accounts"] = [_iban(rng)]
        return _compact(record)

    def _organisation(self, number: str) -> dict[str, Any]:
        rng = self.rng
        _, last = rng.choice(LAST_NAMES)
        word, form = rng.choice(ORG_WORDS), rng.choice(ORG_FORMS)
        name = " ".join(p for p in (word, last, form if word not in ("Stichting", "Vereniging") else "") if p)
        kvk = f"{self.profile.kvk_base + int(number) - self.profile.customer_base:08d}"
        record: dict[str, Any] = {"number": number, "kind": "organisation", "org_name": name, "kvk": kvk}
        if form == "B.V." or word in ("Stichting", "Vereniging"):
            record["rsin"] = next(self.rsins)
        if rng.random() < 0.3:
            record["vestigingsnummer"] = f"00{int(kvk):010d}"
        record["visit_address"] = _address(rng)
        record["email"] = f"info@{_slug(name)[:20]}.example"
        record["phone"] = _phone(rng)
        if rng.random() < 0.5:
            record["categories"] = [{"id": rng.choice(self.profile.categories), "from": "2020-01-01"}]
        if rng.random() < 0.4:
            record["bank_accounts"] = [_iban(rng)]
        if word == "Stichting" and self.customers and rng.random() < 0.5:
            persons = [c["number"] for c in self.customers[-20:] if c["kind"] == "person"]
            record["represents"] = persons[:1]
        self.organisations.append(record)
        return _compact(record)

    def contact(self, number: int, index: int, earlier: list[dict[str, Any]]) -> dict[str, Any]:
        rng, profile = self.rng, self.profile
        channel = rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
        at = PERIOD_START + dt.timedelta(seconds=rng.randrange(PERIOD_SECONDS))
        record: dict[str, Any] = {
            "id": str(number),
            "channel": channel,
            "subject": rng.choice(SUBJECTS[channel]),
            "notes": f"Contact via {channel.lower().replace('_', ' ')}; vraag genoteerd en besproken.",
            "successful": rng.choice((True, True, False, None)),
            "confidential": rng.random() < 0.05,
            "reference": f"{profile.reference_prefix}{index:05d}",
        }
        if rng.random() < 0.06 and earlier:
            previous = rng.choice(earlier)
            record["follows_up"] = previous["id"]
            record["participants"] = [{**p, "initiated": False} for p in previous["participants"][:1]]
            at = dt.datetime.fromisoformat(previous["at"]) + dt.timedelta(hours=rng.randint(1, 72))
        else:
            record["participants"] = self._participants(channel)
        record["at"] = at.isoformat()
        intake = profile.intake.get(channel)
        record["handled_by"] = [intake] if intake else []
        if not intake or rng.random() < 0.3:
            record["handled_by"].append(rng.choice(profile.employees))
        if rng.random() < 0.2:
            zaak = {"zaaknummer": f"ZAAK-{at.year}-{rng.randrange(10**7):07d}"}
            if rng.random() < 0.9:
                zaak["zaak_uuid"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            record["cases"] = [zaak]
        if channel in ("EMAIL", "LETTER", "WEBFORM"):
            documents = rng.randint(0 if channel == "EMAIL" else 1, 2)
            record["documents"] = [
                {"document_uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "kind": "document"}
                for _ in range(documents)
            ]
        return _compact(record)

    def _participants(self, channel: str) -> list[dict[str, Any]]:
        rng = self.rng
        if rng.random() < 0.07:
            first = rng.choice(FIRST_NAMES)
            prefix, last = rng.choice(LAST_NAMES)
            unknown = {"customer": None, "initials": f"{first[0]}.", "prefix": prefix, "last_name": last}
            if channel in ("EMAIL", "WEBFORM", "CHAT"):
                unknown["email"] = f"{_slug(first)}{rng.randrange(1000)}@example.com"
            else:
                unknown["phone"] = _phone(rng, mobile=rng.random() < 0.5)
            return [_compact(unknown)]
        participants = [{"customer": rng.choice(self.participants), "initiated": rng.random() < 0.85}]
        if rng.random() < 0.08:
            participants.append({"customer": rng.choice(self.participants), "role": "representative"})
        return participants

    def task(self, number: int, contact: dict[str, Any]) -> dict[str, Any]:
        rng, profile = self.rng, self.profile
        assigned = dt.datetime.fromisoformat(contact["at"]) + dt.timedelta(minutes=rng.randint(5, 240))
        done = rng.random() < 0.6
        assignee = rng.choice(profile.employees) if rng.random() < 0.6 else rng.choice(profile.departments)
        record = {
            "id": str(number),
            "contact": contact["id"],
            "action": rng.choice(ACTIONS),
            "assignees": [assignee],
            "status": "done" if done else "open",
            "assigned_at": assigned.isoformat(),
            "done_at": (assigned + dt.timedelta(days=rng.randint(0, 14), hours=1)).isoformat() if done else None,
        }
        return _compact(record)


def generate(customers: int = 150, contacts: int = 250, seed: int = 1, profile: str = "demo") -> dict[str, Any]:
    """The story of `profile` plus `customers` and `contacts` random ones (about 1 in 5 with a task)."""
    chosen = PROFILES[profile]
    if chosen.customer_base + customers > 1_000_000 or chosen.contact_base + contacts > 10_000_000:
        raise ValueError("too many records for the CRM's id shapes")
    generator = _Generator(chosen, seed)
    for i in range(customers):
        generator.customers.append(generator.customer(str(chosen.customer_base + i)))
    generator.participants.extend(c["number"] for c in generator.customers)
    generated_contacts: list[dict[str, Any]] = []
    tasks = []
    for i in range(contacts):
        contact = generator.contact(chosen.contact_base + i, len(chosen.story["contacts"]) + i + 1, generated_contacts)
        generated_contacts.append(contact)
        if generator.rng.random() < 0.2:
            tasks.append(generator.task(chosen.task_base + len(tasks), contact))
    return {
        **chosen.story,
        "customers": [*chosen.story["customers"], *generator.customers],
        "contacts": [*chosen.story["contacts"], *generated_contacts],
        "tasks": [*chosen.story["tasks"], *tasks],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="demo")
    parser.add_argument("--customers", type=int, default=150)
    parser.add_argument("--contacts", type=int, default=250)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    data = generate(args.customers, args.contacts, args.seed, args.profile)
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
