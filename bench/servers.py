"""Local upstreams for the benchmarks, each run as its own process on loopback.

    python -m bench.servers ki --config A.yaml --port 9001 --latency 0.02
    python -m bench.servers zgw --port 9002 --latency 0.02 --client facade-bench --secret ...

Both add `latency` seconds to every HTTP request (the network and the application's own work
of a real upstream) and count requests: `GET /_bench/requests` answers
`{"requests": n, "recent": [...]}` with the targets (path and query) of the last requests (not
counted, not delayed). The `ki` upstream is this façade itself, serving a CRM dataset: a
Klantinteracties-type upstream that a client can also ask directly, so "the same request
direct" is well defined. The `zgw` upstream is `adapters/zgw/local_server.py` over its demo seed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections import deque
from pathlib import Path

import orjson
import uvicorn

COUNTER_PATH = "/_bench/requests"


class Upstream:
    """ASGI wrapper: delay every HTTP request by `latency` seconds and count it."""

    def __init__(self, app, latency: float):
        self.app = app
        self.latency = latency
        self.requests = 0
        self.recent: deque[str] = deque(maxlen=2_000)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            if scope["path"] == COUNTER_PATH:
                body = orjson.dumps({"requests": self.requests, "recent": list(self.recent)})
                headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            self.requests += 1
            query = scope["query_string"].decode("latin-1")
            self.recent.append(scope["path"] + (f"?{query}" if query else ""))
            if self.latency:
                await asyncio.sleep(self.latency)
        await self.app(scope, receive, send)


def ki_app(config: str):
    os.environ["FACADE_CONFIG"] = str(Path(config).resolve())
    from facade.api.app import create_app
    from facade.config import load_settings

    return create_app(load_settings())


def zgw_app(port: int, client: str, secret: str):
    from adapters.zgw.local_server import ZgwServer, demo_seed

    return ZgwServer(demo_seed(), {client: secret}, f"http://127.0.0.1:{port}").app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("ki", "zgw"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--config", help="ki: the façade configuration the upstream serves")
    parser.add_argument("--client", default="facade-bench", help="zgw: the JWT client id")
    parser.add_argument("--secret", default=os.environ.get("BENCH_ZGW_SECRET", ""), help="zgw: the JWT secret")
    args = parser.parse_args(argv)
    app = ki_app(args.config) if args.kind == "ki" else zgw_app(args.port, args.client, args.secret)
    lifespan = "on" if args.kind == "ki" else "off"
    uvicorn.run(
        Upstream(app, args.latency),
        host="127.0.0.1",
        port=args.port,
        access_log=False,
        log_level="warning",
        lifespan=lifespan,
    )


if __name__ == "__main__":
    main()
