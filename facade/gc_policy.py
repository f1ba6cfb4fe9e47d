"""Garbage-collector settings for a serving process.

A page of 100 klantcontacten with its expansions creates some 100,000 short-lived objects (parsed
JSON, models, rendered dicts). With CPython's default thresholds (700, 10, 10) the cyclic
collector runs hundreds of times per request, and each full collection scans the whole heap
(every module, pydantic schema and route): about a fifth of the façade's CPU per page
(bench/README.md, "Performance changes"). Hardly any of those objects is part of a reference
cycle, so reference counting frees them; the collector only needs to run now and then.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000
"""Allocations (minus deallocations) between young collections; CPython's default is 700."""


def tune_for_serving() -> None:
    """Once per worker process, after the app is built: `gc.freeze()` moves everything that exists
    at start-up (it lives as long as the process) out of the collector's view, and young
    collections become rarer. Memory still returns: only cyclic garbage waits a little longer."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
