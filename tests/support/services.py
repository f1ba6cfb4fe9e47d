"""System services on loopback for tests (bench/services.py): skipped, saying why, where missing."""

from __future__ import annotations

import pytest

from bench.services import Nginx, RedisServer, executable, nginx, redis_server, unavailable

__all__ = ["Nginx", "RedisServer", "executable", "nginx", "redis_server", "requires", "unavailable"]


def requires(*names: str):
    reasons = [reason for name in names if (reason := unavailable(name))]
    return pytest.mark.skipif(bool(reasons), reason="; ".join(reasons) or "-")
