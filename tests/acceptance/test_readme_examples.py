"""The README's two commands and its curl examples work as written against the demo."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import httpx

from adapters.zgw.jwt import ZgwJwt
from facade.cli import DEMO_ZGW_CLIENT, DEMO_ZGW_SECRET
from tests.support.server import running_cli

README = Path(__file__).resolve().parents[2] / "README.md"


def _demo_block(block_index: int = 1) -> list[str]:
    """The lines of the n-th `sh` block of "Try the demo"."""
    text = README.read_text()
    return text.split("## Try the demo", 1)[1].split("```sh")[block_index].split("```", 1)[0].splitlines()


def readme_curls(block_index: int = 1) -> list[list[str]]:
    """The curl commands of the n-th `sh` block of "Try the demo"."""
    return [shlex.split(line) for line in _demo_block(block_index) if line.startswith("curl ")]


def readme_variables() -> dict[str, str]:
    """`NAME="value"` lines of the blocks (the tokens, the API root)."""
    found = {}
    for line in _demo_block() + _demo_block(2):
        name, equals, value = line.partition("=")
        if equals and name.isidentifier() and name.isupper():
            found[name] = shlex.split(value)[0]
    return found


def send(argv: list[str], api: str, variables: dict[str, str]) -> httpx.Response:
    """One README curl (`-X`, `-H`, `-d`, `$API`, the block's `$TOKEN`, `$KISS`, ...) as httpx sends it."""
    headers, method, url, data = {}, "GET", None, None
    for index, arg in enumerate(argv):
        following = argv[index + 1] if index + 1 < len(argv) else ""
        if arg == "-H":
            header = re.sub(r"\$([A-Z]+)", lambda m: variables[m.group(1)], following)
            name, _, value = header.partition(": ")
            headers[name] = value
        elif arg == "-X":
            method = following
        elif arg == "-d":
            data = following
        elif arg.startswith(("$API", "http")):
            url = re.sub(r"^\$API", api, arg)
    return httpx.request(method, url, headers=headers, content=data, timeout=30)


def test_the_two_commands_come_first():
    first_block = README.read_text().split("```sh", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()] == ["make demo", "make test"]
    assert "make test" in (README.parent / ".ci" / "run").read_text()


def test_curl_examples_against_the_demo(tmp_path):
    log_path = tmp_path / "demo.log"
    with running_cli(["demo"], {}, log_path) as base:
        api = f"{base}/klantinteracties/api/v1"
        printed = log_path.read_text()
        assert f"{api}/" in printed and "Token demo-token-0123456789" in printed
        variables = readme_variables()
        statuses, zaak_contacts = [], {}
        for argv in readme_curls():
            response = send(argv, api, variables)
            statuses.append(response.status_code)
            url = str(response.request.url)
            if "onderwerpobjectidentificatorObjectId=" in url and "gingOverOnderwerpobjecten" in url:
                zaak_contacts[response.request.headers["Authorization"]] = response.json()["results"]
        submitted, registered, about_the_zaak, confidential = (send(argv, api, variables) for argv in readme_curls(2))
        zgw = re.search(r"Local ZGW server [^:]*: (http://\S+)", log_path.read_text()).group(1)
        held = httpx.get(
            f"{zgw}/contactmomenten/api/v1/contactmomenten",
            params={"ordering": "-registratiedatum"},
            headers=ZgwJwt(DEMO_ZGW_CLIENT, DEMO_ZGW_SECRET)(),
            timeout=30,
        ).json()["results"]
    # every example answers as the README says: the last one is the deliberate mistake
    assert statuses[:-1] == [200] * (len(statuses) - 1) and statuses[-1] == 400, statuses
    # Open Forms' confidential submission lands (in the CRM), with its three parts, as from Open Klant
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["klantcontact"]["vertrouwelijk"] is True
    assert submitted.json()["betrokkene"] is not None and submitted.json()["onderwerpobject"] is not None
    # the contact the KCC registered for Henk is read back among the contacts about his zaak, newest first
    assert registered.status_code == 201, registered.text
    contact = registered.json()["klantcontact"]
    assert registered.json()["betrokkene"]["wasPartij"]["uuid"] == "f0a20262-94df-45f5-9943-8b21fdc79c28"
    assert about_the_zaak.status_code == 200
    newest = about_the_zaak.json()["results"][0]
    assert (newest["uuid"], newest["onderwerp"]) == (contact["uuid"], "Vergunning verbouwing")
    assert newest["_expand"]["hadBetrokkenen"][0]["wasPartij"]["uuid"] == "f0a20262-94df-45f5-9943-8b21fdc79c28"
    assert held[0]["tekst"] == contact["inhoud"]  # it landed in the ZGW source: the zaaksysteem's own API shows it
    # what the zaaksysteem cannot hold is refused for the KCC, saying why
    assert confidential.status_code == 400, confidential.text
    assert [p["name"] for p in confidential.json()["invalidParams"]] == ["klantcontact.vertrouwelijk"]
    # the KISS-like and the ZAC-like client find the same contacts of the zaak, each in its own codes
    kiss, zac = (zaak_contacts[f"Token demo-{name}-token-0123456789"] for name in ("kiss", "zac"))
    assert len(kiss) == 4 and {c["uuid"] for c in kiss} == {c["uuid"] for c in zac}
    for contacts, codes in ((kiss, ("zgw-Zaak", "openzaak")), (zac, ("zaak", "open-zaak"))):
        for contact in contacts:
            spelled = {
                (o["onderwerpobjectidentificator"]["codeObjecttype"], o["onderwerpobjectidentificator"]["codeRegister"])
                for o in contact["_expand"]["gingOverOnderwerpobjecten"]
            }
            assert codes in spelled
