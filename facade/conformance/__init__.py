"""The adapter conformance kit: the checks every adapter passes, run from an adapter's own tests.

    from facade.conformance import AdapterConformance, Dataset

    class TestMyAdapter(AdapterConformance):
        kind = "mine"                     # the entry-point name, or "package.module:factory"
        dataset = Dataset(records={"partijen": 4})

        def settings_for(self, upstream):
            return {"base_url": f"{upstream}/api", "token": SecretStr("test-token")}

        @pytest.fixture(scope="class")
        def upstream(self):
            with my_application_on_loopback() as url:
                yield url

Install with ``pip install 'klantinteracties-facade[kit]'`` (pytest and the contract validator).
docs/adapters.md walks through it; docs/decisions/0017-adapter-kit.md says why it is built so.
Its promises follow `adapters.api.ADAPTER_API_VERSION`: a check added in a minor version holds
only what the protocol already promised.
"""

from facade.conformance.kit import CheckFailed, Dataset, Write
from facade.conformance.suite import OFFLINE, AdapterConformance

__all__ = ["OFFLINE", "AdapterConformance", "CheckFailed", "Dataset", "Write"]
