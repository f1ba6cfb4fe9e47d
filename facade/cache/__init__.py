"""Where sources' answers are cached: in the process (`memory`) or shared by every instance (`redis`).

`store.CacheStore` is one source's slice of a backend; `answers.AnswerCache` puts the rules of
docs/decisions/0010 on top of it (keyed-hash keys, fresh for `cache_ttl`, served stale for
`stale_if_error` when the source fails); `redis_store` shares answers between instances
(docs/deployment.md).
"""

from facade.cache.store import ABSENT, CacheStore, Entry, MemoryStore, Read

__all__ = ["ABSENT", "CacheStore", "Entry", "MemoryStore", "Read"]
