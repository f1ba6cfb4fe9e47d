"""The ZGW source: Klanten API v1, Contactmomenten API v1 and Zaken API 1.5.1, read live and
written as each flavour allows.

`settings.py` parses the source's settings, `jwt.py` authenticates, `flavours.py` says which
query parameters and write methods each upstream flavour declares, `upstream.py` reads pages and
sends writes, `adapter.py` translates Klantinteracties queries into upstream calls (`reads.py`),
`writes.py` runs writes (steps in `contact_writes.py` and `klant_writes.py`), and
`mapping/zgw.py` / `mapping/zgw_writes.py` / `mapping/zgw_klant_writes.py` map the records both ways.
`local_server.py` is a small ZGW-shaped server for the demo and the integration tests; it checks
write bodies as the real APIs do (`local_bodies.py`) and keeps what is written in memory
(`local_writes.py`).
"""
