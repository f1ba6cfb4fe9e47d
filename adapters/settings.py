"""Settings of an adapter: one pydantic model per adapter kind, and the types its fields share.

Each adapter kind declares a model derived from `AdapterSettings` and takes a validated instance
in its factory; the registry validates a source's `settings` mapping with it before the factory
runs. So every kind refuses unknown settings, and a wrong one stops the façade naming it, as in
``sources.2.settings.klanten.base_url: Value error, give an http(s) URL ...``::

    class MySettings(AdapterSettings):
        base_url: BaseUrl
        token: Secret
        timeout: float = Field(default=10.0, gt=0, le=300)
        export: ConfigPath | None = None

    def from_settings(settings: MySettings) -> MyAdapter: ...

- `Secret`: a secret is never written in the configuration file. It is ``{env: NAME}`` or
  ``{file: PATH}`` and resolved once, at validation, to a `SecretStr` (which never prints its
  value); messages name the setting and the variable or file, never a value.
- `BaseUrl`: an absolute http(s) URL without query or fragment, without a trailing slash.
- `ConfigPath`: a file path; a relative one is taken from the configuration file's folder
  (passed in the validation context by whoever validates: `validation_context`).

Messages of a `ValidationError` are read with `problems`: the field path and pydantic's message,
never the input (pydantic's own `str()` quotes input values, which may be a secret or a BSN).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
)

_CONFIG_DIR = "config_dir"


class AdapterSettings(BaseModel):
    """Base of every adapter kind's settings model: unknown settings are refused.

    A field's docstring (a string right below it) is its description: `klantinteracties-facade
    adapters` shows it next to the setting.
    """

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


def resolve_secret(value: Any) -> SecretStr:
    """`{env: NAME}` or `{file: PATH}` -> the secret; a `SecretStr` handed in by Python code stays."""
    if isinstance(value, SecretStr):
        return value
    if isinstance(value, str):
        raise ValueError("secrets are not written in the configuration: use {env: NAME} or {file: PATH}")
    if not isinstance(value, Mapping) or len(value) != 1 or not ({"env", "file"} & value.keys()):
        raise ValueError("give exactly one of 'env' or 'file'")
    if "env" in value:
        resolved = os.environ.get(str(value["env"]), "")
        if not resolved:
            raise ValueError(f"environment variable {value['env']} is not set")
        return SecretStr(resolved)
    try:
        return SecretStr(Path(str(value["file"])).read_text().strip())
    except OSError as exc:
        raise ValueError(f"cannot read secret file {value['file']}: {exc.strerror}") from None


Secret = Annotated[SecretStr, BeforeValidator(resolve_secret)]
"""A secret setting: `{env: NAME}` or `{file: PATH}` in the file, a `SecretStr` once validated."""


def _base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or "?" in value or "#" in value:
        raise ValueError("give an http(s) URL without query or fragment, e.g. https://host/klanten/api/v1")
    return value.rstrip("/")


BaseUrl = Annotated[str, AfterValidator(_base_url)]
"""An upstream API's root: an absolute http(s) URL without query or fragment (trailing `/` dropped)."""


MaxResponseBytes = Annotated[int, Field(ge=64 * 1024, le=1024**3, strict=True)]
"""A setting for the largest answer an upstream may send, in bytes (64 KiB to 1 GiB); the default
is `adapters.http.DEFAULT_MAX_RESPONSE_BYTES` (docs/decisions/0016-upstream-answer-size-limit.md)."""


def validation_context(config_dir: Path | None) -> dict[str, Any]:
    """The context to validate adapter settings in: the configuration file's folder, if there is one."""
    return {_CONFIG_DIR: config_dir}


def _from_config_dir(value: Path, info: ValidationInfo) -> Path:
    base = (info.context or {}).get(_CONFIG_DIR)
    if base is None or value.is_absolute():
        return value
    return (Path(base) / value).resolve()


ConfigPath = Annotated[Path, AfterValidator(_from_config_dir)]
"""A file path setting; a relative path is taken from the configuration file's folder (if known),
else from the working directory."""


def problems(error: ValidationError) -> list[tuple[str, str]]:
    """(dotted field path, message) per error; never the input value."""
    return [(".".join(str(part) for part in detail["loc"]), detail["msg"]) for detail in error.errors()]
