"""`check --probe`: call each configured source once, with its own credentials, and say what came back.

Per source: reachable or not, authorised or not, the `API-version` each upstream API answered
with, and the latency. The calls are the smallest real reads (one record of `partijen` and of
`klantcontacten`, where the source serves them), straight to the adapter: no cache, no breaker.
What the HTTP tooling saw is collected through `adapters.request_context.upstream_watcher`, so
this works for every adapter kind; an in-process source (crm_stub) shows no HTTP exchange.
Nothing printed holds a query string, a credential or a record.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from adapters.protocol import ListQuery, SourceError, SourceRejected
from adapters.request_context import UpstreamExchange, upstream_watcher
from facade.engine.core import Engine
from facade.engine.sources import Source

PROBED_RESOURCES = ("partijen", "klantcontacten")
"""Together these touch every API a source of the bundled kinds reads (e.g. Klanten and Contactmomenten)."""


@dataclass
class SourceProbe:
    name: str
    kind: str
    reachable: bool = True
    authorised: bool = True
    problem: str = ""
    seconds: float = 0.0
    exchanges: list[UpstreamExchange] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.reachable and self.authorised and not self.problem

    def lines(self) -> list[str]:
        verdict = "reachable" if self.reachable else "NOT reachable"
        if self.reachable:
            verdict += ", authorised" if self.authorised else ", NOT authorised"
        if self.problem:
            verdict += f" ({self.problem})"
        where = "" if self.exchanges else "; in-process, no HTTP"
        lines = [f"source {self.name} ({self.kind}): {verdict}; {self.seconds * 1000:.0f} ms{where}"]
        seen: set[tuple[str, int | None, str | None]] = set()
        for exchange in self.exchanges:
            if (exchange.api, exchange.status, exchange.api_version) in seen:
                continue
            seen.add((exchange.api, exchange.status, exchange.api_version))
            status = exchange.status if exchange.status is not None else "no answer"
            version = f"API-version {exchange.api_version}" if exchange.api_version else "no API-version header"
            lines.append(f"  {exchange.api}: {status}, {version}, {exchange.seconds * 1000:.0f} ms")
        return lines


async def probe_sources(engine: Engine, kinds: Sequence[str], seconds_each: float = 15.0) -> list[SourceProbe]:
    return [await _probe(source, kind, seconds_each) for source, kind in zip(engine.sources, kinds, strict=True)]


async def _probe(source: Source, kind: str, seconds_each: float) -> SourceProbe:
    adapter = source.guard.inner  # past the guard: no cache, no breaker
    result = SourceProbe(source.name, kind)
    token = upstream_watcher.set(result.exchanges.append)
    started = time.perf_counter()
    try:
        for resource in [r for r in PROBED_RESOURCES if r in adapter.resources] or list(adapter.resources)[:1]:
            async with asyncio.timeout(seconds_each):
                await adapter.list(ListQuery(resource, {}, 0, 1))
    except TimeoutError:
        result.reachable, result.problem = False, f"no answer within {seconds_each:.0f} s"
    except SourceRejected as exc:
        statuses = {e.status for e in result.exchanges if e.status is not None and e.status >= 400}
        result.authorised = not statuses & {401, 403}
        result.problem = f"refused: {', '.join(str(s) for s in sorted(statuses)) or exc.reason}"
    except SourceError as exc:
        answered = any(e.status is not None for e in result.exchanges)
        result.reachable = answered
        result.problem = exc.reason
    except Exception as exc:  # an adapter bug: say what kind, never its message (it may hold data)
        result.reachable, result.problem = False, f"adapter error {type(exc).__name__}"
    finally:
        upstream_watcher.reset(token)
        result.seconds = time.perf_counter() - started
    return result
