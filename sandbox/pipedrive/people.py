"""Deterministic persons and organizations in Pipedrive's v2 shape, computed from (seed, id).

Nothing is stored: record i is rebuilt from a generator seeded with (seed, i) whenever it is
asked for, so a million-record account costs no memory. The mix is what a sync must cope with:
about 2% of persons have neither email nor phone, some only a phone, some several emails with
the primary one not always first, mixed-case emails, and names with accents.
"""

from __future__ import annotations

import functools
import random
import unicodedata
from typing import Any

from sandbox.common.timefmt import to_rfc3339
from sandbox.pipedrive.fields import COMPANY_SIZES, INDUSTRIES, CustomPersonFields
from sandbox.pipedrive.timeline import Timeline

FIRST_NAMES = (
    "José", "Zoë", "Jürgen", "Renée", "Núria", "Søren", "François", "Iñaki", "Chloé", "Björn",
    "Ana", "Liam", "Emma", "Noah", "Olivia", "Mateo", "Sofía", "Lukas", "Amélie", "Håkon",
    "Maëlle", "Jonas", "Mia", "Élodie", "Tomás", "Inés", "Felix", "Léa", "Paul", "Anaïs",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "García", "Lefèvre", "Núñez", "Dvořák", "Schäfer", "Peña", "Østergaard", "Smith",
    "Johnson", "Rossi", "Dubois", "Fernández", "Wójcik", "Martin", "Brown", "Nowak", "Jansen",
    "Kovačić", "Gómez", "Lindqvist", "Moreau", "O'Brien", "Weiß", "Costa", "Silva", "Ibáñez",
    "Köhler", "Ferreira", "Bianchi",
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")
OWNER_IDS = (1001, 1002, 1003)
LABEL_IDS = (1, 2, 3)
#: (country prefix, national mobile prefixes, digits after the prefix): valid-looking E.164.
PHONE_PLANS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("+33", ("6", "7"), 8),
    ("+49", ("151", "160", "176"), 8),
    ("+34", ("6",), 8),
    ("+44", ("7",), 9),
    ("+1", ("212", "415", "646", "305"), 7),
)
ORG_WORDS = ("Café", "Müller", "Lumière", "Niño", "Ørsted", "Nordwind", "Atlas", "Blue Harbor")
ORG_SUFFIXES = ("GmbH", "SARL", "S.L.", "ApS", "Ltd", "Inc.")
CITIES = (
    ("Paris", "France", "75001"),
    ("Berlin", "Germany", "10115"),
    ("Madrid", "Spain", "28001"),
)

# Visible to the owner's visibility group and above: Pipedrive's default for new records.
VISIBLE_TO = 3
# Share of persons by contact channels (cumulative): none, phone only, email only, both.
NO_CHANNEL, PHONE_ONLY, EMAIL_ONLY = 0.02, 0.10, 0.30
ORG_LINK_SHARE = 0.75
_ASCII_FALLBACKS = str.maketrans({"ø": "o", "Ø": "O", "ß": "ss", "ł": "l", "Ł": "L", "'": ""})


@functools.cache
def ascii_fold(text: str) -> str:
    """`"Dvořák"` -> `"Dvorak"`: what an email local part built from a name looks like."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_FALLBACKS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def organization_count(person_count: int) -> int:
    return max(1, person_count // 5)


def last_name_after_touches(base_last_name: str, touches: int) -> str:
    """The last name a person has after `touches` touches: always a different one."""
    index = (LAST_NAMES.index(base_last_name) + touches) % len(LAST_NAMES)
    return LAST_NAMES[index]


def build_person(
    seed: int, person_id: int, timeline: Timeline, org_total: int, custom: CustomPersonFields
) -> dict[str, Any]:
    rng = random.Random(f"pipedrive-person:{seed}:{person_id}")
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    channels = rng.random()
    has_email = channels >= PHONE_ONLY
    has_phone = (NO_CHANNEL <= channels < PHONE_ONLY) or channels >= EMAIL_ONLY
    org_id = rng.randint(1, org_total) if rng.random() < ORG_LINK_SHARE else None
    lead_source = custom.lead_source.options
    return {
        "id": person_id,
        "name": f"{first} {last}",
        "first_name": first,
        "last_name": last,
        "owner_id": rng.choice(OWNER_IDS),
        "org_id": org_id,
        "add_time": to_rfc3339(timeline.add_epoch(person_id)),
        "update_time": to_rfc3339(timeline.update_epoch(person_id)),
        "emails": _emails(rng, first, last, person_id) if has_email else [],
        "phones": _phones(rng) if has_phone else [],
        "is_deleted": False,
        "visible_to": VISIBLE_TO,
        "label_ids": [rng.choice(LABEL_IDS)] if rng.random() < 0.3 else [],
        "picture_id": None,
        "custom_fields": {
            custom.lead_source.key: rng.choice(lead_source)[0] if rng.random() < 0.8 else None,
            custom.industry.key: rng.choice(INDUSTRIES) if rng.random() < 0.7 else None,
            custom.company_size.key: rng.choice(COMPANY_SIZES) if rng.random() < 0.6 else None,
        },
    }


def _emails(rng: random.Random, first: str, last: str, person_id: int) -> list[dict[str, Any]]:
    local = f"{ascii_fold(first)}.{ascii_fold(last)}{person_id}".lower()
    addresses = [f"{local}@{rng.choice(EMAIL_DOMAINS)}"]
    if rng.random() < 0.12:
        addresses.append(f"{local[0]}.{ascii_fold(last).lower()}.{person_id}@example.net")
    if rng.random() < 0.05:
        # People type their address in any case; Brevo compares emails case-insensitively.
        addresses[0] = addresses[0].capitalize()
    primary = rng.randrange(len(addresses))
    labels = ("work", "home")
    return [
        {"value": address, "primary": index == primary, "label": labels[index % 2]}
        for index, address in enumerate(addresses)
    ]


def _phones(rng: random.Random) -> list[dict[str, Any]]:
    count = 2 if rng.random() < 0.08 else 1
    phones = []
    for index in range(count):
        country, prefixes, digits = rng.choice(PHONE_PLANS)
        subscriber = f"{rng.randrange(10**digits):0{digits}d}"
        phones.append(
            {
                "value": f"{country}{rng.choice(prefixes)}{subscriber}",
                "primary": index == 0,
                "label": "mobile" if index == 0 else "work",
            }
        )
    return phones


def build_organization(seed: int, org_id: int, timeline: Timeline) -> dict[str, Any]:
    rng = random.Random(f"pipedrive-org:{seed}:{org_id}")
    city, country, postal_code = rng.choice(CITIES)
    street = f"{rng.randint(1, 200)} {rng.choice(('Rue de Rivoli', 'Hauptstraße', 'Calle Mayor'))}"
    formatted = f"{street}, {postal_code} {city}, {country}"
    return {
        "id": org_id,
        "name": f"{rng.choice(ORG_WORDS)} {rng.choice(ORG_WORDS)} {rng.choice(ORG_SUFFIXES)}",
        "owner_id": rng.choice(OWNER_IDS),
        "add_time": to_rfc3339(timeline.add_epoch(org_id)),
        "update_time": to_rfc3339(timeline.update_epoch(org_id)),
        "visible_to": VISIBLE_TO,
        "label_ids": [],
        "is_deleted": False,
        "address": {
            "value": formatted,
            "street_number": street.split(" ", 1)[0],
            "route": street.split(" ", 1)[1],
            "locality": city,
            "country": country,
            "postal_code": postal_code,
            "formatted_address": formatted,
        },
        "custom_fields": {},
    }
