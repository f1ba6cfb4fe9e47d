"""The ZGW source: Klanten API v1, Contactmomenten API v1 and Zaken API 1.5.1, read live.

`settings.py` parses the source's settings, `jwt.py` authenticates, `flavours.py` says which
query parameters each upstream flavour declares, `upstream.py` reads pages, `adapter.py`
translates Klantinteracties queries into upstream calls and `mapping/zgw.py` maps the records.
`local_server.py` is a small ZGW-shaped server for the demo and the integration tests.
"""
