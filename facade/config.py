"""Configuration: one YAML file, secrets from the environment or files, validated at start-up.

Every setting is documented in docs/configuration.md. A wrong setting stops the service with a
message that names it (`ConfigError`). Secrets are never written in the file itself: a secret
setting is ``{env: NAME}`` or ``{file: /run/secrets/name}`` (`adapters.settings.Secret`, the
type adapters use too). A source's `settings` are its adapter kind's business: they are
validated by the kind's own model when the sources are built (`facade.api.app.build_engine`).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from adapters.settings import Secret, problems
from facade.engine.budget import DEFAULT_TASKS, DEFAULT_UPSTREAM_REQUESTS
from facade.engine.published import DEFAULT_TTL as DEFAULT_IDENTITY_TTL
from mapping.contract import RESOURCES
from mapping.conventions import FACTS, READY_MADE, SUBJECTS, Convention, Profile


class ConfigError(Exception):
    """A configuration problem, with a message that names the setting (never its secret value)."""


class JwtClientConfig(BaseModel):
    """A ZGW-style bearer JWT (HS256) signed with a shared secret, as KISS can send."""

    model_config = ConfigDict(extra="forbid")
    client_id: str = Field(min_length=1)
    secret: Secret
    max_age: float = Field(default=3600, gt=0)
    """Seconds after its `iat` that a token is still accepted."""


class Permissions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    read: list[str] | Literal["*"] = "*"
    """The collections this client may read (`*`: all)."""
    write: list[str] | Literal["*"] = Field(default_factory=list)
    """The collections this client may create, change and delete objects of (`*`: all); none by default."""
    bsn: bool = False
    """May search by BSN and see BSN values; without it BSN filters are refused and BSNs withheld."""

    @field_validator("read", "write")
    @classmethod
    def _known(cls, value):
        if value != "*":
            unknown = sorted(set(value) - RESOURCES.keys())
            if unknown:
                raise ValueError(f"unknown collection(s): {', '.join(unknown)}")
        return value

    def may_read(self, resource: str) -> bool:
        return self.read == "*" or resource in self.read

    def may_write(self, resource: str) -> bool:
        return self.write == "*" or resource in self.write


Code = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ConventionConfig(BaseModel):
    """One identificator spelling: three codes, and the fact that fills `objectId`."""

    model_config = ConfigDict(extra="forbid")
    codeObjecttype: Code
    codeRegister: Code
    codeSoortObjectId: Code
    objectId: Literal["emailadres", "identificatie", "uuid"]


class ProfileConfig(BaseModel):
    """What one kind of client reads: per subject, its conventions, preferred first (docs/configuration.md)."""

    model_config = ConfigDict(extra="forbid")
    medewerker: list[ConventionConfig] = Field(default_factory=list)
    afdeling: list[ConventionConfig] = Field(default_factory=list)
    groep: list[ConventionConfig] = Field(default_factory=list)
    zaak: list[ConventionConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _facts_of_the_subject(self) -> ProfileConfig:
        for subject in SUBJECTS:
            for convention in getattr(self, subject):
                if convention.objectId not in FACTS[subject]:
                    allowed = " or ".join(FACTS[subject])
                    raise ValueError(f"{subject}: objectId is {allowed}, not {convention.objectId}")
        return self

    def profile(self, name: str) -> Profile:
        return Profile(
            name,
            {subject: tuple(Convention(**c.model_dump()) for c in getattr(self, subject)) for subject in SUBJECTS},
        )


def _known_collections(write_targets: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(write_targets) - RESOURCES.keys())
    if unknown:
        raise ValueError(f"unknown collection(s) {', '.join(unknown)}")
    return write_targets


class ClientConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    token: Secret | None = None
    jwt: JwtClientConfig | None = None
    permissions: Permissions = Field(default_factory=Permissions)
    strict: bool = False
    """Never give this client a partial answer: a failing source makes every request a 503."""
    profile: str | None = None
    """The identificator conventions this client reads (a ready-made or configured profile);
    None: the deployment's `default_profile`."""
    write_targets: dict[str, str] = Field(default_factory=dict)
    """Per collection, the source this client's new objects without an owner go to, instead of
    the deployment's `write_targets` (e.g. a KCC that registers its contacts in the zaaksysteem)."""

    @field_validator("write_targets")
    @classmethod
    def _known_collections(cls, value: dict[str, str]) -> dict[str, str]:
        return _known_collections(value)

    @model_validator(mode="after")
    def _one_credential(self) -> ClientConfig:
        if (self.token is None) == (self.jwt is None):
            raise ValueError("give a client exactly one of 'token' or 'jwt'")
        return self

    @field_validator("token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 8:
            raise ValueError("a client token must be at least 8 characters")
        return value


class SourceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    """Part of every object's identity: renaming a source changes its UUIDs."""
    kind: str = Field(min_length=1)
    settings: dict[str, Any] = Field(default_factory=dict)
    """Validated by the adapter kind's own settings model when the sources are built."""
    timeout: float = Field(default=10.0, gt=0, le=300)
    """Seconds one call to this source may take before it is cut off."""
    failure_threshold: int = Field(default=5, ge=1)
    cooldown: float = Field(default=30.0, gt=0)
    cache_size: int = Field(default=10_000, ge=0)
    cache_ttl: float = Field(default=30.0, ge=0)
    stale_if_error: float = Field(default=300.0, ge=0)


class RequestBudgetConfig(BaseModel):
    """What one API request may cost the sources (docs/decisions/0014-cost-follows-the-page.md)."""

    model_config = ConfigDict(extra="forbid")
    upstream_requests: int = Field(default=DEFAULT_UPSTREAM_REQUESTS, ge=1, le=100_000)
    """Upstream requests over all sources (HTTP requests, retries included; a call of an in-process adapter)."""
    tasks: int = Field(default=DEFAULT_TASKS, ge=1, le=1_000_000)
    """Concurrent pieces of work the engine may start for one request."""


class ProcessingLogConfig(BaseModel):
    """The processing log (verwerkingenlog) of requests that search by or return a BSN."""

    model_config = ConfigDict(extra="forbid")
    sink: Literal["stdout", "file"] = "stdout"
    path: Path | None = None
    key: Secret
    """Key of the BSN hashes in the log; keep it to answer "who looked at my data"."""

    @model_validator(mode="after")
    def _path_for_file(self) -> ProcessingLogConfig:
        if self.sink == "file" and self.path is None:
            raise ValueError("sink 'file' needs a 'path'")
        return self


class CacheConfig(BaseModel):
    """Where sources' answers are cached: in each process, or in Redis shared by every instance."""

    model_config = ConfigDict(extra="forbid")
    backend: Literal["memory", "redis"] = "memory"
    url: Secret | None = None
    """`redis://[:password@]host:6379/0` (or `rediss://`); a secret, since it can hold a password."""
    key_prefix: str = Field(default="facade:v1", pattern=r"^[A-Za-z0-9][A-Za-z0-9:_.-]{0,63}$")
    """Prefix of every key: instances that share answers share it (and `identity_secret`)."""
    timeout: float = Field(default=0.5, gt=0, le=10)
    """Seconds one Redis operation may take; slower counts as Redis being down."""
    retry_interval: float = Field(default=2.0, gt=0, le=300)
    """Seconds the façade goes on without Redis after a failure before it tries again."""
    max_connections: int = Field(default=32, ge=1, le=1000)

    @model_validator(mode="after")
    def _redis_needs_url(self) -> CacheConfig:
        if self.backend == "redis" and self.url is None:
            raise ValueError("backend 'redis' needs a 'url' (a secret: {env: NAME} or {file: PATH})")
        if self.url is not None and not self.url.get_secret_value().startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("url must start with redis://, rediss:// or unix://")
        return self


class MetricsConfig(BaseModel):
    """Who may read `/metrics`."""

    model_config = ConfigDict(extra="forbid")
    access: Literal["open", "token", "off"] = "off"
    token: Secret | None = None
    """For `access: token`: Prometheus sends it as `Authorization: Bearer <token>`."""

    @model_validator(mode="after")
    def _token_for_token(self) -> MetricsConfig:
        if self.access == "token" and (self.token is None or len(self.token.get_secret_value()) < 16):
            raise ValueError("access 'token' needs a 'token' secret of at least 16 characters")
        return self


class TracingConfig(BaseModel):
    """OpenTelemetry traces; without this setting none are made."""

    model_config = ConfigDict(extra="forbid")
    exporter: Literal["otlp", "console"] = "otlp"
    endpoint: str | None = None
    """OTLP/HTTP traces endpoint, e.g. `http://otel-collector:4318/v1/traces`; default: the
    standard `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT` variables, else localhost."""
    service_name: str = Field(default="klantinteracties-facade", min_length=1, max_length=100)
    sample_ratio: float = Field(default=1.0, ge=0, le=1)
    """Share of requests traced (a trace a proxy started is followed as it decided)."""

    @field_validator("exporter")
    @classmethod
    def _installed(cls, value: str) -> str:
        try:
            import opentelemetry.sdk.trace  # noqa: F401
        except ImportError:
            raise ValueError("tracing needs OpenTelemetry: pip install 'klantinteracties-facade[otel]'") from None
        return value


class IdempotencyConfig(BaseModel):
    """How long and how many `Idempotency-Key`s of POSTs are remembered (per instance)."""

    model_config = ConfigDict(extra="forbid")
    ttl: float = Field(default=24 * 3600, gt=0, le=7 * 24 * 3600)
    """Seconds a key is remembered after its first successful use."""
    max_keys: int = Field(default=10_000, ge=1, le=1_000_000)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    public_base_url: str | None = None
    """External base URL object URLs are built from; None: from the request's host."""
    trusted_proxies: list[str] = Field(default_factory=list)
    """Addresses or networks whose X-Forwarded-Proto/Host headers are honoured."""
    identity_secret: Secret
    merge_partijen: bool = True
    request_deadline: float = Field(default=30.0, gt=0, le=600)
    """Seconds a whole request may take; then its work is cancelled and it answers 503."""
    request_budget: RequestBudgetConfig = Field(default_factory=RequestBudgetConfig)
    partij_identity_ttl: float = Field(default=DEFAULT_IDENTITY_TTL, ge=0, le=86_400)
    """Seconds the UUID a partij is published under is remembered, for references to it; 0: never."""
    partial_answers: bool = True
    """False: no request ever gets a partial answer (a failing source is a 503 for everyone)."""
    clients: list[ClientConfig] = Field(min_length=1)
    sources: list[SourceConfig] = Field(min_length=1)
    processing_log: ProcessingLogConfig | None = None
    """Where BSN processing is recorded; without it, no client may have the `bsn` permission."""
    cache: CacheConfig = Field(default_factory=CacheConfig)
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)
    tracing: TracingConfig | None = None
    write_targets: dict[str, str] = Field(default_factory=dict)
    """Per collection, the source that new objects without an owner go to (default: the first
    source that takes them); a client's own `write_targets` come first."""
    idempotency: IdempotencyConfig = Field(default_factory=IdempotencyConfig)
    profiles: dict[str, ProfileConfig] = Field(default_factory=dict)
    """Profiles of the deployment's own, next to the ready-made ones (`mapping.conventions.READY_MADE`)."""
    default_profile: str = "open-klant"
    """The profile of clients that name none."""
    _config_dir: Path | None = PrivateAttr(default=None)

    @property
    def config_dir(self) -> Path | None:
        """The configuration file's folder, if the settings came from a file."""
        return self._config_dir

    @field_validator("identity_secret")
    @classmethod
    def _strong_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("the identity secret must be at least 16 characters")
        return value

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")) or "?" in value or "#" in value:
            raise ValueError("must be an absolute http(s) URL without query or fragment")
        return value.rstrip("/")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)
        return value

    @model_validator(mode="after")
    def _bsn_needs_a_log(self) -> Settings:
        if self.processing_log is None and any(c.permissions.bsn for c in self.clients):
            raise ValueError("clients with the 'bsn' permission need a 'processing_log'")
        if self.processing_log is None and any(c.permissions.write for c in self.clients):
            raise ValueError("clients with a 'write' permission need a 'processing_log' (writes can touch a BSN)")
        return self

    @field_validator("write_targets")
    @classmethod
    def _known_collections(cls, value: dict[str, str]) -> dict[str, str]:
        return _known_collections(value)

    @model_validator(mode="after")
    def _known_write_targets(self) -> Settings:
        names = {source.name for source in self.sources}
        wanted = [("write_targets", self.write_targets)]
        wanted += [(f"clients.{i}.write_targets", c.write_targets) for i, c in enumerate(self.clients)]
        for setting, targets in wanted:
            for collection, name in targets.items():
                if name not in names:
                    raise ValueError(f"{setting}.{collection}: unknown source {name}")
        return self

    @model_validator(mode="after")
    def _known_profiles(self) -> Settings:
        for name in self.profiles:
            if name in READY_MADE:
                raise ValueError(f"profiles: '{name}' is a ready-made profile; give yours another name")
        known = READY_MADE.keys() | self.profiles.keys()
        wanted = [("default_profile", self.default_profile)]
        wanted += [(f"clients.{i}.profile", c.profile) for i, c in enumerate(self.clients) if c.profile is not None]
        for setting, name in wanted:
            if name not in known:
                raise ValueError(f"{setting}: no profile '{name}' (ready-made: {', '.join(sorted(READY_MADE))})")
        return self

    def all_profiles(self) -> dict[str, Profile]:
        """Every profile a client can have: the ready-made ones and the configured ones."""
        return {**READY_MADE, **{name: config.profile(name) for name, config in self.profiles.items()}}

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        for label, names in (("sources", [s.name for s in self.sources]), ("clients", [c.name for c in self.clients])):
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise ValueError(f"{label}: duplicate name(s) {', '.join(duplicates)}")
        return self


_ENV_OVERRIDES = {
    "FACADE_PUBLIC_BASE_URL": "public_base_url",
    "FACADE_MERGE_PARTIJEN": "merge_partijen",
    "FACADE_PARTIAL_ANSWERS": "partial_answers",
    "FACADE_REQUEST_DEADLINE": "request_deadline",
}


def describe(problems: list[tuple[str, str]]) -> str:
    """The message of a `ConfigError`: one line per (setting, message)."""
    lines = [f"  {location or '(top level)'}: {message}" for location, message in problems]
    return "invalid configuration:\n" + "\n".join(lines)


def load_settings(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Read the YAML file (default: $FACADE_CONFIG), apply FACADE_* overrides, validate."""
    path = path or os.environ.get("FACADE_CONFIG")
    if not path:
        raise ConfigError("no configuration file: pass --config or set FACADE_CONFIG")
    try:
        raw = yaml.safe_load(Path(path).read_text()) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read configuration file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"configuration file {path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"configuration file {path} must hold a mapping")
    for variable, setting in _ENV_OVERRIDES.items():
        if variable in os.environ:
            raw[setting] = os.environ[variable]
    raw.update(overrides or {})
    return settings_from(raw, base=Path(path).parent)


def settings_from(raw: dict[str, Any], base: Path | None = None) -> Settings:
    """Validate a configuration mapping; `base` is the folder of the file it came from (adapters
    take relative paths in their settings from there)."""
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe(problems(exc))) from None
    settings._config_dir = base.resolve() if base is not None else None
    return settings
