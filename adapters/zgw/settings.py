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

from typing import Literal

from pydantic import Field, model_validator

from adapters.api import DEFAULT_MAX_RESPONSE_BYTES, AdapterSettings, BaseUrl, MaxResponseBytes, Secret
from adapters.zgw.flavours import Api, Flavour
from mapping.zgw import elfproef

APIS: tuple[Api, ...] = ("klanten", "contactmomenten", "zaken")


class ApiSettings(AdapterSettings):
    """One ZGW API: where it is and how the façade authenticates (a client id and secret, or a token)."""

    base_url: BaseUrl
    client_id: str = ""
    secret: Secret | None = None
    token: Secret | None = None
    """A ready-made bearer token, for deployments that hand one out instead of a client id and secret."""
    timeout: float = Field(default=10.0, gt=0, le=300)
    max_response_bytes: MaxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES
    """Largest answer read from this API, in bytes: a larger one fails the call (`invalid-response`)."""
    flavour: Flavour = "vng"
    user_id: str = ""
    user_representation: str = ""

    @model_validator(mode="after")
    def _one_credential(self) -> ApiSettings:
        if self.token is not None:
            if self.secret is not None or self.client_id:
                raise ValueError("give either token or client_id with secret, not both")
        elif not self.client_id:
            raise ValueError("client_id is required (or give a ready-made token)")
        elif self.secret is None:
            raise ValueError("secret is required, as {env: NAME} or {file: PATH}")
        return self


class ZakenApiSettings(ApiSettings):
    flavour: Literal["vng"] = "vng"
    """The Zaken API has one flavour."""


class ZgwSettings(AdapterSettings):
    """Settings of source kind ``zgw``."""

    klanten: ApiSettings | None = None
    contactmomenten: ApiSettings | None = None
    zaken: ZakenApiSettings | None = None
    zaak_register: str = Field(default="open-zaak", min_length=1, max_length=200)
    """`codeRegister` of onderwerpobjecten that point at a zaak."""
    zaak_url_base: BaseUrl | None = None
    """Prefix of zaak URLs as the upstreams store them (`.../zaken/api/v1`); default the Zaken base URL
    (a text once validated: empty when there is no Zaken API either)."""
    actor_register: str = Field(default="zgw", min_length=1, max_length=200)
    """`codeRegister` of the actoridentificator of medewerkers."""
    onderwerp: str = Field(default="Contactmoment", min_length=1, max_length=200)
    """`onderwerp` of a klantcontact whose contactmoment has none (the VNG API has no such field)."""
    max_concurrency: int = Field(default=8, ge=1, le=64)
    """Requests this source (in one worker process) has under way at the same time, per API."""
    onderwerp_link_base: str = Field(default="", max_length=800, pattern=r"^$|^https?://[^\s?#]+[^\s]*$")
    """URL prefix under which the façade keeps a klantcontact's `onderwerp` as an `onderwerpLinks`
    entry (`<prefix><quoted onderwerp>`), written and read back; empty: only `onderwerp` is read."""
    bronorganisatie: str = Field(default="", pattern=r"^$|^[0-9]{9}$")
    """RSIN of the organisation that writes (`bronorganisatie` of new klanten and contactmomenten)."""
    klant_website_url: str = Field(default="", max_length=1000, pattern=r"^$|^https?://\S+$")
    """`websiteUrl` of new klanten: the VNG Klanten API 1.0.0 requires one."""

    writes: bool = False
    """Take writes (docs/configuration.md lists per flavour what lands where); read-only by default."""

    @model_validator(mode="after")
    def _what_writes_need(self) -> ZgwSettings:
        if self.bronorganisatie and not elfproef(self.bronorganisatie):
            raise ValueError("bronorganisatie must be an RSIN (9 digits that pass the eleven test)")
        if not self.writes:
            return self
        flavours = {api.flavour for api in (self.klanten, self.contactmomenten) if api is not None}
        if flavours - {"esuite"} and not self.bronorganisatie:
            raise ValueError("writes to the vng and openklant flavours need a bronorganisatie (an RSIN)")
        if self.klanten is not None and self.klanten.flavour == "vng" and not self.klant_website_url:
            raise ValueError("writes to a vng Klanten API need a klant_website_url (its klanten require a websiteUrl)")
        return self

    @model_validator(mode="after")
    def _an_api_and_a_zaak_url_base(self) -> ZgwSettings:
        if self.klanten is None and self.contactmomenten is None and self.zaken is None:
            raise ValueError("configure at least one of klanten, contactmomenten, zaken")
        if self.zaak_url_base is None:
            self.zaak_url_base = self.zaken.base_url if self.zaken is not None else ""
        return self
