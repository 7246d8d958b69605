"""A small genealogy for service tests: 400 modules on line A over four days, each made
from one cell lot (20 modules per lot) and one encapsulant lot (100 modules per lot, from
supplier X or Y), packed in pallets of 36, three pallets per shipment, shipments alternating
between customer C and customer D."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from qdm.core.models import Customer
from qdm.data.models import Unit, UnitLink
from qdm.service.models import Complaint
from qdm.service.services.complaints import IntakeRow, add_items, create_complaint
from tests.personas import World

N_MODULES = 400


@dataclass
class Plant:
    modules: list[Unit]
    enc_lots: list[Unit]
    cell_lots: list[Unit]
    pallets: list[Unit]
    shipments: list[Unit]
    customer_d: Customer

    def shipped_to(self, customer: Customer) -> list[Unit]:
        ids = set(
            UnitLink.objects.filter(
                child__in=[s for s in self.shipments if s.customer_id == customer.pk]
            ).values_list("parent_id", flat=True)
        )
        mods = set(UnitLink.objects.filter(child_id__in=ids).values_list("parent_id", flat=True))
        return [m for m in self.modules if m.pk in mods]


def serial(i: int) -> str:
    return f"SAM01-2603-{i:06d}"


def make_plant(world: World, *, alternate: bool = True) -> Plant:
    """``alternate=False`` ships everything to customer C."""
    customer_d = Customer.objects.create(
        code="CUS-D", name="D客户", name_en="Customer D", country="ES"
    )
    start = timezone.make_aware(datetime.datetime(2026, 3, 2, 6, 0))
    site, line = world.site_a, world.line_a
    enc = [
        Unit.objects.create(
            code=f"ML-SA-ENC-{k:04d}",
            kind="material_lot",
            site=site,
            supplier=world.supplier_x if k % 2 == 0 else world.supplier_y,
            produced_at=start - datetime.timedelta(days=2),
        )
        for k in range(N_MODULES // 100)
    ]
    cells = [
        Unit.objects.create(
            code=f"CL-SA-{k:04d}",
            kind="cell_lot",
            site=site,
            line=line,
            produced_at=start - datetime.timedelta(days=1),
        )
        for k in range(N_MODULES // 20)
    ]
    modules = Unit.objects.bulk_create(
        [
            Unit(
                code=serial(i),
                kind="module",
                site=site,
                line=line,
                produced_at=start + datetime.timedelta(minutes=14 * i),
            )
            for i in range(N_MODULES)
        ]
    )
    pallets = [
        Unit.objects.create(code=f"PAL-SA-{k:04d}", kind="pallet", site=site, line=line)
        for k in range((N_MODULES + 35) // 36)
    ]
    shipments = [
        Unit.objects.create(
            code=f"CNT-SA-{k:04d}",
            kind="shipment",
            site=site,
            customer=world.customer_c if k % 2 == 0 or not alternate else customer_d,
            project="Solarpark Test 10 MW",
        )
        for k in range((len(pallets) + 2) // 3)
    ]
    links = []
    for i, m in enumerate(modules):
        links.append(UnitLink(parent=enc[i // 100], child=m))
        links.append(UnitLink(parent=cells[i // 20], child=m))
        links.append(UnitLink(parent=m, child=pallets[i // 36]))
    for k, p in enumerate(pallets):
        links.append(UnitLink(parent=p, child=shipments[k // 3]))
    UnitLink.objects.bulk_create(links)
    return Plant(modules, enc, cells, pallets, shipments, customer_d)


def make_complaint(world: World, customer: Customer | None = None, **fields) -> Complaint:
    actor = world.user("cqo")
    data = {"customer": customer or world.customer_c, "title": "Delamination at site"} | fields
    return create_complaint(actor=actor, **data)


def with_serials(world: World, complaint: Complaint, units: list[Unit], symptom: str = "DELAM"):
    rows = [IntakeRow(i, u.code, symptom) for i, u in enumerate(units, 1)]
    return add_items(complaint, rows, actor=world.user("cqo"))
