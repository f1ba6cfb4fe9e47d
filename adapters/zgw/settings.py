"""Settings of a `zgw` source: which of the three APIs it reads, and how.

Every key is checked: an unknown one, a missing base URL or a literal secret stops the
façade at start-up with a message that names the setting (never a secret's value).

    settings:
      klanten:         {base_url: ..., client_id: ..., secret: {env: NAME}, timeout: 10, flavour: vng}
      contactmomenten: {base_url: ..., client_id: ..., secret: {file: PATH}, flavour: openklant}
      zaken:           {base_url: ..., client_id: ..., secret: {env: NAME}}
      zaak_register: open-zaak
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from adapters.secrets import secret_setting
from adapters.zgw.flavours import FLAVOURS, Api, Flavour

APIS: tuple[Api, ...] = ("klanten", "contactmomenten", "zaken")
_API_KEYS = ("base_url", "client_id", "secret", "token", "timeout", "flavour", "user_id", "user_representation")
_TOP_KEYS = (*APIS, "zaak_register", "zaak_url_base", "actor_register", "onderwerp", "max_concurrency")


@dataclass(frozen=True)
class ApiSettings:
    base_url: str
    client_id: str = ""
    secret: str = ""
    token: str = ""
    timeout: float = 10.0
    flavour: Flavour = "vng"
    user_id: str = ""
    user_representation: str = ""

    def __repr__(self) -> str:  # never the secret or token
        return f"ApiSettings(base_url={self.base_url!r}, client_id={self.client_id!r}, flavour={self.flavour!r})"


@dataclass(frozen=True)
class ZgwSettings:
    klanten: ApiSettings | None
    contactmomenten: ApiSettings | None
    zaken: ApiSettings | None
    zaak_register: str = "open-zaak"
    """`codeRegister` of onderwerpobjecten that point at a zaak."""
    zaak_url_base: str = ""
    """Prefix of zaak URLs as the upstreams store them (`.../zaken/api/v1`); default the Zaken base URL."""
    actor_register: str = "zgw"
    """`codeRegister` of the actoridentificator of medewerkers."""
    onderwerp: str = "Contactmoment"
    """`onderwerp` of a klantcontact whose contactmoment has none (the VNG API has no such field)."""
    max_concurrency: int = 8
    """Upstream requests one adapter call runs at the same time."""


def _url(value: Any, setting: str) -> str:
    parts = urlsplit(str(value or ""))
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"{setting}: give an http(s) URL without query, e.g. https://host/klanten/api/v1")
    return str(value).rstrip("/")


def _api(raw: Any, name: Api) -> ApiSettings:
    where = f"zgw: {name}"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: give a mapping with base_url, client_id and secret")
    for key in raw:
        if key not in _API_KEYS:
            raise ValueError(f"{where}: unknown setting {key!r} (known: {', '.join(_API_KEYS)})")
    base_url = _url(raw.get("base_url"), f"{where}.base_url")
    token = secret_setting(raw["token"], f"{where}.token") if "token" in raw else ""
    if token and ("secret" in raw or "client_id" in raw):
        raise ValueError(f"{where}: give either token or client_id with secret, not both")
    client_id, secret = str(raw.get("client_id") or ""), ""
    if not token:
        if not client_id:
            raise ValueError(f"{where}.client_id: required (or give a ready-made token)")
        if "secret" not in raw:
            raise ValueError(f"{where}.secret: required, as {{env: NAME}} or {{file: PATH}}")
        secret = secret_setting(raw["secret"], f"{where}.secret")
    flavour = str(raw.get("flavour", "vng"))
    if flavour not in FLAVOURS or (name == "zaken" and flavour != "vng"):
        allowed = "vng" if name == "zaken" else ", ".join(FLAVOURS)
        raise ValueError(f"{where}.flavour: {flavour!r} is not one of {allowed}")
    try:
        timeout = float(raw.get("timeout", 10.0))
    except (TypeError, ValueError):
        raise ValueError(f"{where}.timeout: give a number of seconds") from None
    if not 0 < timeout <= 300:
        raise ValueError(f"{where}.timeout: give a number of seconds between 0 and 300")
    return ApiSettings(
        base_url=base_url,
        client_id=client_id,
        secret=secret,
        token=token,
        timeout=timeout,
        flavour=flavour,  # type: ignore[arg-type]
        user_id=str(raw.get("user_id", "")),
        user_representation=str(raw.get("user_representation", "")),
    )


def parse(raw: Mapping[str, Any]) -> ZgwSettings:
    for key in raw:
        if key not in _TOP_KEYS:
            raise ValueError(f"zgw: unknown setting {key!r} (known: {', '.join(_TOP_KEYS)})")
    apis = {name: _api(raw[name], name) if raw.get(name) is not None else None for name in APIS}
    if not any(apis.values()):
        raise ValueError("zgw: configure at least one of klanten, contactmomenten, zaken")
    zaken = apis["zaken"]
    zaak_url_base = raw.get("zaak_url_base")
    zaak_url_base = _url(zaak_url_base, "zgw: zaak_url_base") if zaak_url_base else (zaken.base_url if zaken else "")
    try:
        concurrency = int(raw.get("max_concurrency", 8))
    except (TypeError, ValueError):
        raise ValueError("zgw: max_concurrency: give a whole number") from None
    if not 1 <= concurrency <= 64:
        raise ValueError("zgw: max_concurrency: give a whole number from 1 to 64")
    texts = {}
    for key, default, limit in (
        ("zaak_register", "open-zaak", 200),
        ("actor_register", "zgw", 200),
        ("onderwerp", "Contactmoment", 200),
    ):
        value = str(raw.get(key, default))
        if not value or len(value) > limit:
            raise ValueError(f"zgw: {key}: give a text of 1 to {limit} characters")
        texts[key] = value
    return ZgwSettings(
        klanten=apis["klanten"],
        contactmomenten=apis["contactmomenten"],
        zaken=zaken,
        zaak_url_base=zaak_url_base,
        max_concurrency=concurrency,
        **texts,
    )
