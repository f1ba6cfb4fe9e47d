"""Real-client journeys, run by the Python 3.12 venv that has open-klant-client from PyPI.

Usage: python open_klant_client_journeys.py <api root> <token> <bsn>
Prints one JSON object with what the client saw; the pytest side asserts on it.
"""

import json
import sys
import uuid

from openklant_client import OpenKlantClient
from openklant_client.exceptions import BadRequest, NotFound

api, token, bsn = sys.argv[1:4]
seen: dict = {}

with OpenKlantClient(api, token=token) as client:
    # J1 (Open Forms): find the partij behind a BSN, with its digital addresses
    page = client.partij.list(
        params={
            "partijIdentificator__codeObjecttype": "natuurlijk_persoon",
            "partijIdentificator__codeSoortObjectId": "bsn",
            "partijIdentificator__codeRegister": "brp",
            "partijIdentificator__objectId": bsn,
            "expand": ["digitaleAdressen"],
        }
    )
    seen["partij_count"] = page["count"]
    partij = page["results"][0]
    seen["partij_uuid"] = partij["uuid"]
    seen["addresses"] = sorted(a["adres"] for a in partij["_expand"]["digitaleAdressen"])

    # KISS/OIP: the partij by UUID with betrokkenen and their klantcontacten
    detail = client.partij.retrieve(partij["uuid"], params={"expand": ["betrokkenen", "betrokkenen.hadKlantcontact"]})
    seen["detail_uuid"] = detail["uuid"]
    seen["betrokkenen"] = len(detail["_expand"]["betrokkenen"])

    # J4: all klantcontacten of that partij, following `next` (the client refuses foreign URLs)
    contacts = list(
        client.klant_contact.list_iter(
            params={"hadBetrokkene__wasPartij__uuid": partij["uuid"], "pageSize": 2, "expand": ["hadBetrokkenen"]}
        )
    )
    seen["contacts"] = [c["uuid"] for c in contacts]
    seen["contact_times"] = [c["plaatsgevondenOp"] for c in contacts]

    # every klantcontact, all pages
    seen["all_contacts"] = len(list(client.klant_contact.list_iter(params={"pageSize": 100})))

    try:
        client.partij.retrieve(str(uuid.uuid4()))
        seen["not_found"] = None
    except NotFound as exc:
        seen["not_found"] = exc.code
    try:
        client.partij.list(params={"bsn": bsn})
        seen["bad_request"] = None
    except BadRequest as exc:
        seen["bad_request"] = [p["code"] for p in exc.invalidParams]

print(json.dumps(seen))
