"""The README's two commands and its curl examples work as written against the demo."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import httpx

from tests.support.server import running_cli

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_curls(block_index: int = 1) -> list[list[str]]:
    """The curl commands of the n-th `sh` block of "Try the demo"."""
    text = README.read_text()
    block = text.split("## Try the demo", 1)[1].split("```sh")[block_index].split("```", 1)[0]
    return [shlex.split(line) for line in block.splitlines() if line.startswith("curl ")]


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
        statuses = []
        for argv in readme_curls():
            headers = {}
            url = None
            for index, arg in enumerate(argv):
                if arg == "-H":
                    header = argv[index + 1].replace("$TOKEN", "Authorization: Token demo-token-0123456789")
                    name, _, value = header.partition(": ")
                    headers[name] = value
                elif arg.startswith(("$API", "http")):
                    url = re.sub(r"^\$API", api, arg)
            statuses.append(httpx.get(url, headers=headers, timeout=30).status_code)
        [write] = readme_curls(2)
        headers = {"Authorization": "Token demo-token-0123456789", "Content-Type": "application/json"}
        made = httpx.post(f"{api}/maak-klantcontact", content=write[write.index("-d") + 1], headers=headers, timeout=30)
    # every example answers as the README says: the last one is the deliberate mistake
    assert statuses[:-1] == [200] * (len(statuses) - 1) and statuses[-1] == 400, statuses
    assert made.status_code == 201, made.text
    assert made.json()["betrokkene"]["wasPartij"]["uuid"] == "f0a20262-94df-45f5-9943-8b21fdc79c28"
