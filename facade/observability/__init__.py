"""What an operator sees of a running façade: Prometheus metrics, JSON logs, request ids, traces.

Every label, log field and span attribute is a configured name (a source, a client) or a value
from a closed set (a route template, a status code, a reason class): never a BSN, a UUID, a
query value or anything else a client sent (docs/deployment.md lists them).
"""
