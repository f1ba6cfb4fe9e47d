"""Shared upstream HTTP tooling for adapters that call an application over HTTP.

One pooled `httpx.AsyncClient` per source for the life of the app. Every request goes to a
path under the configured base URL: the client never follows redirects and refuses absolute
URLs, so a URL found in upstream data (a `next` link, a `subject`) is never fetched. Transport
problems, timeouts, HTTP errors and invalid JSON become the closed set of `SourceError`s, with
messages that name the source and the collection but never a credential, a query string, an
object's key or a BSN.

An answer is read as a stream and given up as soon as it is larger than `max_response_bytes`
(decompressed: a small gzip answer can unpack to gigabytes), whatever its `Content-Length`
says: `SourceGarbage` (`invalid-response`) for that call, and its memory is never taken
(docs/decisions/0016-upstream-answer-size-limit.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx
import orjson

from adapters.protocol import (
    FieldProblem,
    InvalidWrite,
    ObjectGone,
    SourceError,
    SourceGarbage,
    SourceRejected,
    SourceTimeout,
    SourceUnavailable,
)
from adapters.request_context import (
    UpstreamExchange,
    upstream_headers,
    upstream_meter,
    upstream_span,
    upstream_watcher,
)
from adapters.transport import pooled_transport
from mapping.refusals import field_name, in_own_words

log = logging.getLogger("adapters.http")
# httpx logs every request URL, query string included, at INFO: a BSN filter would land in the log.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

_RETRYABLE_STATUS = frozenset({502, 503, 504})
_RETRYABLE_ERRORS = (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError)
"""A refused or reset connection: the request did not get an answer and a GET may be repeated."""

DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024
"""Largest answer read from an upstream (decompressed): several times an honest 500-record page."""

_SPENT = httpx.ByteStream(b"")
"""What a response's stream is once its body has been read (`UpstreamClient._limited`)."""

AuthHeaders = Callable[[], Mapping[str, str]]
"""Returns the headers that authenticate one request (called per request: tokens can be fresh)."""


@dataclass(frozen=True)
class UpstreamSettings:
    base_url: str
    """The API root, e.g. https://openzaak.gemeente.example/zaken/api/v1 (no trailing slash needed)."""
    connect_timeout: float = 2.0
    timeout: float = 10.0
    """Total time for one request, connect included."""
    max_connections: int = 20
    headers: Mapping[str, str] = field(default_factory=dict)
    retries: int = 2
    """Extra attempts of a GET after a connect error or a 502/503/504 (GETs only: never a write)."""
    retry_backoff: float = 0.05
    """Base of the jittered exponential backoff between attempts, in seconds."""
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    """Largest answer body read (after decompression); a larger one fails the call as invalid."""


class UpstreamClient:
    """GETs JSON from one upstream API, relative to its base URL only."""

    def __init__(
        self,
        source: str,
        settings: UpstreamSettings,
        auth: AuthHeaders | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.source = source
        self.settings = settings
        self._auth = auth
        self._base = settings.base_url.rstrip("/") + "/"
        self._api = self._base.rstrip("/")
        """The configured API root: what traces and probes name (never a path below it or a query)."""
        limits = httpx.Limits(
            max_connections=settings.max_connections, max_keepalive_connections=settings.max_connections
        )
        self._client = httpx.AsyncClient(
            base_url=self._base,
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
            limits=limits,
            follow_redirects=False,
            headers={"Accept": "application/json", **settings.headers},
            transport=transport if transport is not None else pooled_transport(limits),
        )
        self.requests = 0
        """Requests sent, retries included (tests and benchmarks count them)."""
        self.retried = 0
        self._finishing: set[asyncio.Future[tuple[httpx.Response, bytes | None]]] = set()
        """Exchanges whose caller was cancelled, left to end on their own (`_exchange`)."""

    async def get_json(
        self, path: str, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None
    ) -> Any:
        """GET `path` (relative to the base URL) and return the decoded JSON body."""
        _check_relative(path)
        meter = upstream_meter.get()
        for attempt in range(self.settings.retries + 1):
            if meter is not None:
                meter.before_request()  # may refuse: the API request's budget is spent
            span = upstream_span.get()
            with span(self.source, self._api) if span is not None else nullcontext(_no_recorder) as record:
                request_headers = {**upstream_headers(), **(headers or {})}  # request id, trace context
                if self._auth is not None:
                    request_headers.update(self._auth())  # per attempt: a token may be due for renewal
                self.requests += 1
                started = time.perf_counter()
                try:
                    response, body = await self._exchange("GET", path, params=params, headers=request_headers)
                except httpx.TimeoutException as exc:
                    self._tell_watcher(None, None, started)
                    record(None)
                    raise SourceTimeout(f"{self.source}: no answer in time") from exc  # the deadline is spent
                except httpx.TransportError as exc:
                    self._tell_watcher(None, None, started)
                    record(None)
                    if attempt < self.settings.retries and isinstance(exc, _RETRYABLE_ERRORS):
                        await self._back_off(attempt)
                        continue
                    raise SourceUnavailable(f"{self.source}: {type(exc).__name__}") from exc
                self._tell_watcher(response.status_code, response.headers.get("api-version"), started)
                record(response.status_code)
                if meter is not None:
                    meter.answered()
            if response.status_code in _RETRYABLE_STATUS and attempt < self.settings.retries:
                await self._back_off(attempt)
                continue
            return self._decode(response, path, body)
        raise AssertionError("unreachable")  # pragma: no cover

    async def send_json(self, method: str, path: str, body: Any = None) -> Any:
        """POST, PUT, PATCH or DELETE `path` with a JSON body; the decoded answer (None if empty).

        Never retried: the upstream may have written before the answer was lost. A 400 with a
        Problem JSON body becomes `InvalidWrite` naming its fields (in the façade's words: an
        upstream's reason may echo a BSN), and so does a 405 (the upstream does not
        take this write); a 404 becomes `ObjectGone`.
        """
        _check_relative(path)
        headers = {**upstream_headers(), "Content-Type": "application/json"}
        if self._auth is not None:
            headers.update(self._auth())
        content = orjson.dumps(body) if body is not None else None
        span = upstream_span.get()
        with span(self.source, self._api) if span is not None else nullcontext(_no_recorder) as record:
            self.requests += 1
            started = time.perf_counter()
            try:
                response, answer = await self._exchange(method, path, content=content, headers=headers)
            except httpx.TimeoutException as exc:
                self._tell_watcher(None, None, started)
                record(None)
                raise SourceTimeout(f"{self.source}: no answer in time") from exc
            except httpx.TransportError as exc:
                self._tell_watcher(None, None, started)
                record(None)
                raise SourceUnavailable(f"{self.source}: {type(exc).__name__}") from exc
            self._tell_watcher(response.status_code, response.headers.get("api-version"), started)
            record(response.status_code)
        where = f"{self.source}: {_where(path, method)} answered {response.status_code}"
        if response.status_code == 400 and (problems := _invalid_params(answer or b"")):
            raise InvalidWrite(*problems)
        if response.status_code == 404:
            raise ObjectGone(where)
        if response.status_code == 405:
            reason = "De bron van dit object staat deze wijziging niet toe."
            raise InvalidWrite(FieldProblem("nonFieldErrors", "method_not_allowed", reason))
        if response.status_code == 204 or (response.is_success and answer == b""):
            return None
        return self._decode(response, path, answer, method)

    async def _limited(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, Any] | None = None,
        content: bytes | None = None,
    ) -> tuple[httpx.Response, bytes | None]:
        """The response and its body, read up to the limit and not a byte further (None: larger)."""
        url = self._url(path, params)
        async with self._client.stream(method, url, content=content, headers=headers) as response:
            body = await self._body(response)
        # httpx's stream refers back to its response: a cycle per call, all of it (request, URL,
        # headers) left for the cyclic collector. The stream is spent: let it go.
        response.stream = _SPENT
        return response, body

    async def _body(self, response: httpx.Response) -> bytes | None:
        limit = self.settings.max_response_bytes
        announced = response.headers.get("content-length", "")
        encoded = response.headers.get("content-encoding", "identity").lower() not in ("", "identity")
        if announced.isdigit() and int(announced) > limit and not encoded:
            return None  # not read at all: closing the stream drops the connection
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > limit:
                return None
        return bytes(body)

    def _url(self, path: str, params: Mapping[str, Any] | None) -> str:
        """The absolute URL of a path below the base URL, the query encoded by httpx's rules: the
        same URL httpx builds from `base_url` and `params`, at half its cost (tens of calls a page)."""
        query = str(httpx.QueryParams(params)) if params else ""
        if query and "?" in path:
            return str(httpx.URL(self._base + path).copy_merge_params(params))
        return self._base + path + (f"?{query}" if query else "")

    async def _exchange(self, method: str, path: str, **options: Any) -> tuple[httpx.Response, bytes | None]:
        """One HTTP exchange, run to its end also when the caller is cancelled.

        httpcore can leave a connection whose exchange is cancelled at the wrong moment marked
        active in its pool for good (encode/httpcore#1093; seen here whenever the engine stopped
        a call it no longer needed): after `max_connections` of them every call to the source
        waited for a connection until its timeout. So the caller gets its cancellation at once,
        and the exchange ends on its own, within the client's timeout; `aclose` ends the rest.
        """
        exchange = asyncio.ensure_future(self._limited(method, path, **options))
        try:
            return await asyncio.shield(exchange)
        except asyncio.CancelledError:
            if not exchange.done():
                self._finishing.add(exchange)
                exchange.add_done_callback(self._finished)
            raise

    def _finished(self, exchange: asyncio.Future[tuple[httpx.Response, bytes | None]]) -> None:
        self._finishing.discard(exchange)
        if not exchange.cancelled():
            exchange.exception()  # retrieved: nobody waits for it any more

    def _tell_watcher(self, status: int | None, api_version: str | None, started: float) -> None:
        if (watcher := upstream_watcher.get()) is not None:
            seconds = time.perf_counter() - started
            watcher(UpstreamExchange(self.source, self._api, status, (api_version or "")[:40] or None, seconds))

    async def _back_off(self, attempt: int) -> None:
        self.retried += 1
        delay = self.settings.retry_backoff * (2**attempt)
        await asyncio.sleep(random.uniform(delay / 2, delay))  # noqa: S311  # jitter, not cryptography

    def _decode(self, response: httpx.Response, path: str, body: bytes | None, method: str = "GET") -> Any:
        status = response.status_code
        where = f"{self.source}: {_where(path, method)} answered {status}"
        if status >= 500:
            raise SourceUnavailable(where)
        if 300 <= status < 400:
            raise SourceRejected(f"{where} (a redirect, not followed)")
        if status == 404:
            raise NotFoundUpstream(where)
        if status >= 400:
            code = _problem_code(body or b"")
            raise SourceRejected(f"{where}{f' ({code})' if code else ''}")
        if body is None:
            limit = self.settings.max_response_bytes
            raise SourceGarbage(f"{self.source}: {_where(path, method)} answered more than {limit} bytes")
        try:
            return _loads(body)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than any API nests
            raise SourceGarbage(f"{self.source}: {_where(path, method)} answered no valid JSON") from exc

    async def aclose(self) -> None:
        for exchange in list(self._finishing):
            exchange.cancel()
        await asyncio.gather(*self._finishing, return_exceptions=True)
        await self._client.aclose()


def _check_relative(path: str) -> None:
    """A path below the configured base URL, and only there: no scheme, no leading slash, no
    fragment (never sent: httpx resolves a dot segment before it, and a query after it is lost),
    and no segment that climbs (an adapter that puts a key from upstream data in a path cannot
    leave the API)."""
    if "://" in path or path.startswith("/") or "#" in path:
        raise ValueError("upstream paths are relative to the configured base URL")
    if any(_climbs(segment) for segment in path.partition("?")[0].split("/")):
        raise ValueError("upstream paths stay below the configured base URL")


def _climbs(segment: str) -> bool:
    """`.` or `..`, also percent-encoded or with a path parameter (`..;x`: Java servers read it as
    `..`), or a backslash (a separator to some servers)."""
    decoded = unquote(segment)
    return "\\" in decoded or decoded.partition(";")[0] in (".", "..")


def _no_recorder(status: int | None) -> None:
    """Where a status goes when the request is not traced."""


class NotFoundUpstream(SourceError):
    """A 404 for a single object: adapters usually turn it into 'absent', not a failure."""

    reason = "not-found"


def _invalid_params(answer: bytes) -> list[FieldProblem]:
    """The `invalidParams` of a Problem JSON 400, in the façade's words (`mapping.refusals`): the
    upstream's field names where they are shaped as field names, never its reasons."""
    try:
        body = orjson.loads(answer)
    except orjson.JSONDecodeError:
        return []
    entries = body.get("invalidParams") if isinstance(body, dict) else None
    problems = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            code, reason = in_own_words(entry.get("code"))
            problems.append(FieldProblem(field_name(entry["name"]) or "nonFieldErrors", code, reason))
    return problems


def _loads(body: bytes) -> Any:
    """JSON, fast; a document that orjson refuses for one value in it (a number beyond a double,
    `\\ud800`, a byte that is no UTF-8) is read leniently, so that the value breaks only its record:
    such numbers become infinite, such characters U+FFFD, and every mapping refuses or keeps them."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return _without_lone_surrogates(json.loads(body.decode("utf-8", "replace")))


def _without_lone_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_lone_surrogates(element) for element in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in value.items()}
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def _where(path: str, method: str = "GET") -> str:
    """A request as a message may name it: the collection, never a key or query (either can be a BSN)."""
    collection, _, rest = path.split("?")[0].partition("/")
    return f"{method} {collection}/…" if rest else f"{method} {collection}"


def _problem_code(body: bytes) -> str:
    """The `code` of a Problem JSON error body, if there is one (never the detail: it may echo input)."""
    try:
        problem = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    code = problem.get("code") if isinstance(problem, dict) else None
    return str(code)[:60] if isinstance(code, str) else ""
