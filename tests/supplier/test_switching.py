"""Switching through IQC: reduced needs an e-signed approval; five rejections on tightened
discontinue inspection, notify and raise a SCAR; a D grade tightens."""

from __future__ import annotations

import pytest

from qdm.core.models import Notification
from qdm.core.signatures import signatures_for
from qdm.supplier.models import ScarRequest, SwitchingState
from qdm.supplier.services import switching
from qdm.supplier.services.common import SupplierError
from tests.personas import PASSWORD, World
from tests.supplier.builders import glass, judge, receive, setup_iqc, sqe

pytestmark = pytest.mark.django_db


def state(world: World) -> SwitchingState:
    return SwitchingState.objects.get(supplier=world.supplier_x, material=glass())


def test_reduced_waits_for_the_signed_approval_of_the_responsible_authority(world: World) -> None:
    setup_iqc(world)
    engineer = sqe(world)
    # lot of 500: J plan, Ac 1 → +2 per accepted lot (ISO 2859-1 9.3.3.2); 15 lots → 30
    for i in range(15):
        judge(world, receive(world, supplier_lot=f"L{i}"), bad=0)
    current = state(world)
    assert current.severity == "normal" and current.switching_score == 30
    assert current.reduced_pending is True
    assert Notification.objects.filter(recipient=engineer, title__contains="reduced").count() == 1
    assert receive(world, supplier_lot="L15").severity == "normal"  # not yet approved

    # an engineer without the authority is refused, a wrong password too; nothing changes
    with pytest.raises(SupplierError, match="may not"):
        switching.approve_reduced(current, actor=world.user("eng_a"), password=PASSWORD, reason="x")
    with pytest.raises(SupplierError, match="password"):
        switching.approve_reduced(current, actor=engineer, password="wrong", reason="steady")
    assert state(world).severity == "normal" and signatures_for(current).count() == 0

    switching.approve_reduced(current, actor=engineer, password=PASSWORD, reason="steady supply")
    assert state(world).severity == "reduced"
    assert signatures_for(current).get().signer == engineer
    reduced = receive(world, supplier_lot="L16")
    assert reduced.severity == "reduced"
    # ISO 2859-1:1999 Table 2-C: code H, AQL 0.65 → arrow down to K (reduced n = 50),
    # Ac 1 Re 2 (tests/quality/test_sampling_reduced_iso.py)
    assert (reduced.sample_size, reduced.accept_number) == (50, 1)
    # a second approval is refused: it is no longer waiting
    with pytest.raises(SupplierError, match="not waiting"):
        switching.approve_reduced(state(world), actor=engineer, password=PASSWORD, reason="again")
    # a rejected lot on reduced (2 ≥ Re 2) → back to normal
    judge(world, reduced, bad=2)
    assert state(world).severity == "normal"


def test_five_rejections_on_tightened_discontinue_and_raise_a_scar(world: World) -> None:
    setup_iqc(world)
    engineer = sqe(world)
    judge(world, receive(world, supplier_lot="A"), bad=2)
    judge(world, receive(world, supplier_lot="B"), bad=2)
    assert state(world).severity == "tightened"
    for i in range(5):
        judge(world, receive(world, supplier_lot=f"T{i}"), bad=2)
    current = state(world)
    assert current.severity == "discontinued"
    assert current.events.last().reason == "5 lots not accepted on tightened inspection"
    assert Notification.objects.filter(recipient=engineer, title__contains="discontinued").exists()
    scar = ScarRequest.objects.get(reason__contains="5 lots not accepted")
    assert scar.capa.kind == "scar" and scar.capa.supplier == world.supplier_x
    with pytest.raises(SupplierError, match="discontinued"):
        receive(world, supplier_lot="NEXT")
    # resuming needs an accepted SCAR response
    with pytest.raises(SupplierError, match="SCAR"):
        switching.resume(current, actor=engineer, password=PASSWORD, reason="fixed")
    assert state(world).severity == "discontinued"


def test_tighten_for_a_grade_moves_normal_to_tightened_once(world: World) -> None:
    setup_iqc(world)
    judge(world, receive(world), bad=0)
    event = switching.tighten(state(world), reason="grade D")
    assert event is not None and state(world).severity == "tightened"
    assert switching.tighten(state(world), reason="grade D") is None
