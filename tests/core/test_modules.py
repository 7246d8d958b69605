"""``optional_module``: a platform module that does not exist is skipped, but an import error
inside one that does is never hidden (it would silently drop a platform's API or jobs)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from qdm.core.modules import optional_module


def test_existing_missing_and_broken_modules(tmp_path: Path, monkeypatch) -> None:
    package = tmp_path / "qdmprobe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "fine.py").write_text("VALUE = 7\n")
    (package / "broken.py").write_text("import qdmprobe_no_such_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    assert optional_module("qdmprobe.fine").VALUE == 7
    assert optional_module("qdmprobe.absent") is None
    assert optional_module("qdmprobe_absent_package.api") is None
    with pytest.raises(ModuleNotFoundError) as exc:
        optional_module("qdmprobe.broken")
    assert exc.value.name == "qdmprobe_no_such_dependency"
    for name in [m for m in sys.modules if m.startswith("qdmprobe")]:
        monkeypatch.delitem(sys.modules, name)
