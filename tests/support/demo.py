"""The bundled demo configuration (facade/demo/demo.yaml as shipped) over a local ZGW server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from facade.cli import DEMO_ZGW_PORT, demo_config_path


def demo_config(zgw_base: str) -> dict[str, Any]:
    """The demo's configuration, its ZGW source pointed at `zgw_base` (a `serve_in_thread` server)."""
    text = Path(demo_config_path()).read_text().replace(f"http://127.0.0.1:{DEMO_ZGW_PORT}", zgw_base)
    return yaml.safe_load(text)
