from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def management_system_catalog(request: pytest.FixtureRequest) -> None:
    """The standards registry is seeded by a data migration; a transactional test elsewhere
    in the session (the browser tests) flushes it, so put it back when it is missing."""
    if request.node.get_closest_marker("django_db") is None:
        return
    if "transactional_db" not in request.fixturenames:
        request.getfixturevalue("db")
    from qdm.system.ims_catalog import load_catalog
    from qdm.system.models import Clause, ManagementSystem

    if not ManagementSystem.objects.filter(code="ISO9001").exists():
        load_catalog(ManagementSystem, Clause)
