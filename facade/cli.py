"""Command line: `serve` a configuration, run the bundled `demo`, `check` a configuration, or list
the installed `adapters` kinds."""

from __future__ import annotations

import argparse
import os
import sys
from importlib import resources as package_resources
from pathlib import Path

from facade.observability.logs import configure_logging

DEMO_TOKEN = "demo-token-0123456789"  # noqa: S105  # the bundled demo's published token, documented in the README
DEMO_CLIENT_TOKENS = {  # the demo's other clients (KISS-like, ZAC-like, the zaaksysteem's KCC), in the README
    "FACADE_DEMO_KISS_TOKEN": "demo-kiss-token-0123456789",
    "FACADE_DEMO_ZAC_TOKEN": "demo-zac-token-0123456789",
    "FACADE_DEMO_KCC_TOKEN": "demo-kcc-token-0123456789",  # the zaaksysteem's KCC: writes contacts to ZGW
}
DEMO_IDENTITY_SECRET = "demo-identity-secret-not-for-production"  # noqa: S105
DEMO_ZGW_CLIENT = "facade-demo"
DEMO_ZGW_SECRET = "demo-zgw-secret-not-for-production-0123"  # noqa: S105  # the local ZGW server's demo client
DEMO_ZGW_PORT = 8001
DEMO_PROCESSING_LOG_KEY = "demo-processing-log-key-not-for-production"


DEFAULT_SHUTDOWN_TIMEOUT = 20.0
"""Seconds requests in flight may still take after SIGTERM (Kubernetes waits 30 s by default)."""


def _serve(config_path: str, host: str, port: int, workers: int, shutdown_timeout: float) -> int:
    import uvicorn

    from facade.http_protocol import NoDelayHttpProtocol

    if (problem := _validate(config_path)) is not None:
        return problem
    os.environ["FACADE_CONFIG"] = str(Path(config_path).resolve())
    uvicorn.run(
        "facade.asgi:app",
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # uvicorn's access log prints query strings, which can hold a BSN
        proxy_headers=False,  # forwarded headers are honoured by the app, from trusted proxies only
        log_config=None,
        http=NoDelayHttpProtocol,
        # SIGTERM: stop accepting, let requests in flight finish (bounded), then close the sources
        timeout_graceful_shutdown=shutdown_timeout,
    )
    return 0


def _validate(config_path: str, probe: bool = False) -> int | None:
    """Load the configuration and build its adapters once: fail fast, naming the setting.

    `probe`: also call each source once and print what it answered (1 when one is not fine).
    """
    import asyncio

    from facade.api.app import build_engine, build_writer
    from facade.config import ConfigError, load_settings
    from facade.probe import probe_sources

    try:
        settings = load_settings(config_path)
        engine = build_engine(settings)
        build_writer(settings, engine)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2

    async def probe_and_close() -> bool:
        try:
            if not probe:
                return True
            print("configuration is valid; probing every source once", flush=True)
            results = await probe_sources(engine, [source.kind for source in settings.sources])
            for result in results:
                print("\n".join(result.lines()), flush=True)
            return all(result.ok for result in results)
        finally:
            for source in engine.sources:
                await source.guard.aclose()

    return None if asyncio.run(probe_and_close()) else 1


def _adapters(config_path: str | None) -> int:
    """Every installed adapter kind with its settings and declaration; with a configuration, also
    what each configured source declares (its adapter built, as `check` does, without a call)."""
    import asyncio

    from facade.adapter_kinds import declaration_lines, describe_kinds

    lines, loaded = describe_kinds()
    print("\n".join(lines))
    if config_path is None:
        return 0 if loaded else 1
    from facade.api.app import build_engine
    from facade.config import ConfigError, load_settings

    try:
        engine = build_engine(load_settings(config_path))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"sources in {config_path}:")
    for source in engine.sources:
        print(f"  {source.name}")
        print("\n".join(declaration_lines(source.guard.resources, "    ")))

    async def close() -> None:
        for source in engine.sources:
            await source.guard.aclose()

    asyncio.run(close())
    return 0 if loaded else 1


def demo_config_path() -> str:
    return str(package_resources.files("facade.demo").joinpath("demo.yaml"))


def _serve_demo(host: str, port: int, workers: int, shutdown_timeout: float) -> int:
    """Serve the demo: first the local ZGW server (a thread of this process, on loopback), then
    the façade; the ZGW server stops when the façade does."""
    import socket
    import tempfile

    from adapters.zgw.local_server import serve_in_thread

    os.environ.setdefault("FACADE_DEMO_ZGW_SECRET", DEMO_ZGW_SECRET)
    zgw_port = DEMO_ZGW_PORT
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", DEMO_ZGW_PORT)) == 0:
            zgw_port = 0  # 8001 is taken: any free port, written into a copy of the demo configuration
    clients = {DEMO_ZGW_CLIENT: os.environ["FACADE_DEMO_ZGW_SECRET"]}
    with serve_in_thread(clients=clients, host="127.0.0.1", port=zgw_port) as zgw:
        print(f"Local ZGW server (Klanten, Contactmomenten, Zaken API): {zgw.base}", flush=True)
        if zgw.base.endswith(f":{DEMO_ZGW_PORT}"):
            return _serve(demo_config_path(), host, port, workers, shutdown_timeout)
        text = Path(demo_config_path()).read_text().replace(f"http://127.0.0.1:{DEMO_ZGW_PORT}", zgw.base)
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "demo.yaml"
            config.write_text(text)
            return _serve(str(config), host, port, workers, shutdown_timeout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="klantinteracties-facade")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve a configuration file")
    serve.add_argument(
        "--config", default=os.environ.get("FACADE_CONFIG"), required=not os.environ.get("FACADE_CONFIG")
    )
    demo = commands.add_parser("demo", help="serve the bundled demo sources")
    check = commands.add_parser("check", help="validate a configuration file and exit")
    check.add_argument("--config", required=True)
    check.add_argument(
        "--probe", action="store_true", help="also call each source once: reachable, authorised, API version, latency"
    )
    kinds = commands.add_parser("adapters", help="list the installed adapter kinds: settings and declarations")
    kinds.add_argument("--config", help="also list what each source of this configuration declares")
    for sub in (serve, demo):
        sub.add_argument("--host", default="127.0.0.1")
        sub.add_argument("--port", type=int, default=8000)
        sub.add_argument("--workers", type=int, default=1)
        sub.add_argument(
            "--shutdown-timeout",
            type=float,
            default=DEFAULT_SHUTDOWN_TIMEOUT,
            help="seconds requests in flight may take after SIGTERM",
        )
    args = parser.parse_args(argv)
    try:
        configure_logging()
    except ValueError as exc:  # FACADE_LOG_FORMAT
        print(exc, file=sys.stderr)
        return 2

    if args.command == "adapters":
        return _adapters(args.config)
    if args.command == "check":
        if (problem := _validate(args.config, args.probe)) is not None:
            return problem
        print("every source answered" if args.probe else "configuration is valid")
        return 0
    if args.command == "demo":
        os.environ.setdefault("FACADE_DEMO_TOKEN", DEMO_TOKEN)
        for variable, token in DEMO_CLIENT_TOKENS.items():
            os.environ.setdefault(variable, token)
        os.environ.setdefault("FACADE_IDENTITY_SECRET", DEMO_IDENTITY_SECRET)
        os.environ.setdefault("FACADE_PROCESSING_LOG_KEY", DEMO_PROCESSING_LOG_KEY)
        url = f"http://{args.host}:{args.port}/klantinteracties/api/v1/"
        print(f"Klantinteracties façade demo: {url}")
        print(f"Demo token: Authorization: Token {os.environ['FACADE_DEMO_TOKEN']}")
        print(
            f"As KISS: Authorization: Token {os.environ['FACADE_DEMO_KISS_TOKEN']}; "
            f"as ZAC: Authorization: Token {os.environ['FACADE_DEMO_ZAC_TOKEN']}; "
            f"as the zaaksysteem's KCC (contacts to ZGW): Authorization: Token {os.environ['FACADE_DEMO_KCC_TOKEN']}",
            flush=True,
        )
        return _serve_demo(args.host, args.port, args.workers, args.shutdown_timeout)
    return _serve(args.config, args.host, args.port, args.workers, args.shutdown_timeout)


if __name__ == "__main__":
    sys.exit(main())
