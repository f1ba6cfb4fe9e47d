"""A `nummer` for every record, also where the application has none that fits.

Open Klant gives every klantcontact, internetaak and partij a `nummer` of at most 10 characters,
and clients rely on it (NL Portal and ITA declare it non-null, open-klant-client 0.4.0 types it
`str`). Where an application has an identifier of its own that fits, that is the nummer. Where
it has none, or a longer one (a ZGW contactmoment's `identificatie` is up to 40 characters; the
VNG Contactmomenten API has none), the nummer is *derived*: ten characters of `0-9A-Z`, the
record's registration moment in seconds since 2000 (six characters) and a hash of its key (four).
So a derived nummer is

- stable: the same record gives the same nummer on every request and instance;
- unique per source in practice: two records share one only when registered in the same second
  *and* their keys hash alike (1 in 1.7 million);
- findable at a bounded cost: `moment_window` turns it back into the second it was registered
  in, which an application can be asked for (`registratiedatum__gte/__lt` in the ZGW APIs).

An application's own identifier of exactly that shape (ten characters `0-9A-Z`) is derived too,
so that a nummer of that shape always is a derived one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import string

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
ALPHABET = string.digits + string.ascii_uppercase
TIME_CHARS, HASH_CHARS = 6, 4
LENGTH = TIME_CHARS + HASH_CHARS
"""The contract's maximum length of `nummer` and `referentienummer`."""
_LAST_SECOND = len(ALPHABET) ** TIME_CHARS - 1
_DERIVED = re.compile(rf"^[0-9A-Z]{{{LENGTH}}}$")


def _base36(value: int, width: int) -> str:
    digits = []
    for _ in range(width):
        value, digit = divmod(value, len(ALPHABET))
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits))


def _hash(key: str, width: int) -> str:
    digest = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8, person=b"ki-nummer").digest(), "big")
    return _base36(digest % len(ALPHABET) ** width, width)


def is_derived(value: str) -> bool:
    """Has `value` the shape of a derived nummer?"""
    return bool(_DERIVED.match(value))


def derived(key: str, moment: dt.datetime | None = None) -> str:
    """The derived nummer of the record with this key, registered at `moment` (aware). Moments
    before 2000 or after 2068 share the first or last second; a record without a moment gets ten
    hash characters (findable only by reading every record)."""
    if moment is None:
        return _hash(key, LENGTH)
    seconds = int((moment - EPOCH).total_seconds() // 1)
    return _base36(min(max(seconds, 0), _LAST_SECOND), TIME_CHARS) + _hash(key, HASH_CHARS)


def nummer(identifier: str, key: str, moment: dt.datetime | None = None) -> str:
    """The application's own identifier when it fits (1-10 characters, not derived-shaped), else derived."""
    identifier = identifier.strip()
    if 0 < len(identifier) <= LENGTH and not is_derived(identifier):
        return identifier
    return derived(key, moment)


def moment_window(value: str) -> tuple[dt.datetime | None, dt.datetime | None] | None:
    """[start, end) of the registration moments whose records can have this derived nummer; an open
    end is None. None when `value` is no derived nummer."""
    if not is_derived(value):
        return None
    seconds = int(value[:TIME_CHARS], len(ALPHABET))
    start = None if seconds == 0 else EPOCH + dt.timedelta(seconds=seconds)
    end = None if seconds == _LAST_SECOND else EPOCH + dt.timedelta(seconds=seconds + 1)
    return start, end
