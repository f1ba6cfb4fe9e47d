"""An in-process stand-in for a municipal CRM, and the adapter that serves it as Klantinteracties.

- `crm`: the application itself: the query API it offers over its native records
  (`mapping/crm_records.py`, outside this package, so the pure mapping can import them);
- `dataset`: reading and checking its data (`data/demo.json`, `data/second.json`);
- `generate`: the deterministic generator of those datasets (and of large ones for benchmarks);
- `adapter`: `CrmStubAdapter` and `from_settings`, the source kind ``crm_stub``;
- `mapping/crm.py` (outside this package): native records -> Klantinteracties objects.

Copy this package to connect a real application: replace `crm` by its API client (and the
records by its own) and keep the shape of `adapter` and the mapping.
"""
