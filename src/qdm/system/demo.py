"""Demo nonconformities: realistic findings from IQC, the module line and OQC, moved through
the workflow with e-signatures, so every kernel piece has something to show."""

from __future__ import annotations

from typing import Any

from qdm.core.demo import DEMO_PASSWORD
from qdm.core.workflow import transition
from qdm.system.demo_capa import build_capas, build_documents
from qdm.system.demo_ims import build as build_ims
from qdm.system.models import Nonconformity
from qdm.system.services.nonconformity import raise_nonconformity

# site, source, severity, title, description, item, lots, quantity, supplier, steps
FINDINGS = [
    (
        "JX1",
        "iqc",
        "major",
        "Front glass thickness below LSL",
        "IQC lot measured 2.94-2.98 mm against 3.2 ± 0.2 mm on 5 of 80 samples (ISO 2859-1, "
        "level II, AQL 0.65).",
        "3.2 mm AR-coated front glass",
        "GL-2026-11-0412",
        1200,
        "SUP-GLS1",
        ["contain"],
    ),
    (
        "JX1",
        "ipqa",
        "minor",
        "EVA gel content low after test lamination",
        "Gel content 72 % on lamination test (LSL 75 %); laminator LAM-03 temperature profile "
        "checked.",
        "EVA encapsulant 0.45 mm",
        "EVA-2026-11-118",
        40,
        "SUP-EVA1",
        ["contain", "disposition", "close"],
    ),
    (
        "ZJ1",
        "oqc",
        "major",
        "EL: cracked cells (CRK-B) above limit on pallet",
        "EL2 found 3 modules with B-class cracks on one pallet; customer EL criteria allow none.",
        "SRM-N410-72 n-type 410 W",
        "PAL-ZJ1-2026-11-00877",
        3,
        None,
        ["contain", "disposition"],
    ),
    (
        "VN1",
        "spc",
        "minor",
        "Flash test Pmax trend down on line 2",
        "Nine consecutive hourly means below the centre line (Nelson rule 2) on VN1-M02 IV "
        "tester; reference module re-measured.",
        "SRM-N410-72 n-type 410 W",
        "",
        None,
        None,
        [],
    ),
    (
        "US1",
        "customer",
        "critical",
        "Hot spot reported at commissioning",
        "Customer reports two modules with hot spots > 20 K in IR inspection at site "
        "commissioning.",
        "SRM-N410-72 n-type 410 W",
        "US1-M2611-004512\nUS1-M2611-004518",
        2,
        None,
        [],
    ),
]

CONTAINMENT = "Lot quarantined in the hold area; line notified; stock and WIP checked."
DISPOSITION = "MRB: 100 % re-inspection, nonconforming units returned to supplier / scrapped."


def build(ctx: Any) -> None:
    build_nonconformities(ctx)
    build_capas(ctx)
    build_documents(ctx)
    build_ims(ctx)


def build_nonconformities(ctx: Any) -> None:
    if Nonconformity.objects.exists():
        return
    actor = ctx.users["qe.jx1"]
    approver = ctx.users["sqm.jx1"]
    admin = ctx.users["admin"]
    for site, source, severity, title, desc, item, lots, qty, supplier, steps in FINDINGS:
        raiser = actor if site == "JX1" else admin
        nc = raise_nonconformity(
            actor=raiser,
            site=ctx.sites[site],
            source=source,
            severity=severity,
            title=title,
            description=desc,
            item=item,
            lots=lots,
            quantity=qty,
            supplier=ctx.suppliers.get(supplier) if supplier else None,
        )
        signer = approver if site == "JX1" else admin
        for step in steps:
            if step == "contain":
                Nonconformity.objects.filter(pk=nc.pk).update(containment=CONTAINMENT)
            if step == "disposition":
                Nonconformity.objects.filter(pk=nc.pk).update(disposition=DISPOSITION)
            nc.refresh_from_db()
            transition(
                nc,
                step,
                actor=signer,
                password=DEMO_PASSWORD,
                reason="MRB decision recorded in the weekly quality meeting",
            )
    ctx.log.append(f"{len(FINDINGS)} nonconformities")
