"""A real server's whole log output holds no BSN and no secret, whatever the requests carried."""

from __future__ import annotations

import httpx

from tests.conftest import IDENTITY_SECRET, TOKEN
from tests.support.server import running_facade

BSNS = ("999993653", "999990019")


def test_log_output_of_a_run_with_bsns_and_secrets(tmp_path):
    config = {
        "identity_secret": {"env": "T_IDENTITY"},
        "clients": [{"name": "portaal", "token": {"env": "T_TOKEN"}, "permissions": {"bsn": True}}],
        "processing_log": {"sink": "stdout", "key": {"env": "T_IDENTITY"}},
        "sources": [{"name": "crm", "kind": "crm_stub"}],
    }
    log_file = tmp_path / "facade.log"
    env = {"T_IDENTITY": IDENTITY_SECRET, "T_TOKEN": TOKEN, "FACADE_LOG_LEVEL": "DEBUG"}
    with running_facade(config, env, tmp_path, log_file) as base:
        api = f"{base}/klantinteracties/api/v1"
        auth = {"Authorization": f"Token {TOKEN}"}
        with httpx.Client(headers=auth, timeout=30) as client:
            for bsn in BSNS:
                assert client.get(f"{api}/partijen", params={"partijIdentificator__objectId": bsn}).status_code == 200
                client.get(
                    f"{api}/klantcontacten", params={"hadBetrokkene__wasPartij__partijIdentificator__objectId": bsn}
                )
                assert client.get(f"{api}/partijen/{bsn}").status_code == 404
                assert client.get(f"{api}/partijen", params={"bsn": bsn}).status_code == 400
                assert (
                    client.get(
                        f"{api}/partijen",
                        params={"partijIdentificator__objectId": bsn},
                        headers={"Authorization": f"Token {bsn}"},
                    ).status_code
                    == 401
                )
                assert client.get(f"{api}/{bsn}").status_code == 404
    output = log_file.read_text()
    assert "GET /klantinteracties/api/v1/partijen 200" in output, "the access log is there"
    for secret in (*BSNS, TOKEN, IDENTITY_SECRET):
        assert secret not in output
