"""Ready-made multi-source worlds over the memory adapter."""

from __future__ import annotations

from adapters.protocol import Pushdown
from mapping.ki import Ref
from tests.support.memory_adapter import MemoryAdapter
from tests.support.scenario import HENK_BSN, at, betrokkene, contact, email, persoon


def crm_world(**kwargs) -> MemoryAdapter:
    return MemoryAdapter(
        [
            persoon("h1", "Henk", "de Bruin", HENK_BSN, digitaleAdressen=[Ref("h1:e")], betrokkenen=[Ref("k1:0")]),
            persoon("p2", "Piet", "Jansen", "999990019"),
            email("h1:e", "h1", "henk@crm.example"),
            contact("k1", at(3), betrokkenen=("k1:0",)),
            contact("k2", at(5), kanaal="balie"),
            betrokkene("k1:0", "k1", "h1"),
        ],
        pushdown={"partijen": {"partijIdentificator__objectId": Pushdown.EXACT}},
        **kwargs,
    )


def zgw_world(**kwargs) -> MemoryAdapter:
    return MemoryAdapter(
        [
            persoon("x9", "H.", "Bruin", HENK_BSN, digitaleAdressen=[Ref("x9:e")], betrokkenen=[Ref("c7:0")]),
            email("x9:e", "x9", "henk@zgw.example"),
            contact("c7", at(4), betrokkenen=("c7:0",)),
            betrokkene("c7:0", "c7", "x9"),
        ],
        **kwargs,
    )
