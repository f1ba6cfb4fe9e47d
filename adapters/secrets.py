"""Secrets in adapter settings: `{env: NAME}` or `{file: PATH}`, never a literal value."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def secret_setting(value: Any, setting: str) -> str:
    """Resolve a secret reference; the error names the setting, never a value."""
    if isinstance(value, str):
        raise ValueError(
            f"{setting}: secrets are not written in the configuration: use {{env: NAME}} or {{file: PATH}}"
        )
    if not isinstance(value, Mapping) or len(value) != 1 or not ({"env", "file"} & value.keys()):
        raise ValueError(f"{setting}: give exactly one of 'env' or 'file'")
    if "env" in value:
        resolved = os.environ.get(str(value["env"]), "")
        if not resolved:
            raise ValueError(f"{setting}: environment variable {value['env']} is not set")
        return resolved
    try:
        return Path(str(value["file"])).read_text().strip()
    except OSError as exc:
        raise ValueError(f"{setting}: cannot read secret file {value['file']}: {exc.strerror}") from None
