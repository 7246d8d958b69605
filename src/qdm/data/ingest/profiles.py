"""Canonical columns of every ingestion kind and the column-mapping profiles of equipment
vendors.

Canonical columns (header names in a canonical file; ``*`` = the header is required):

``flash`` (one IV flash test per row, :class:`~qdm.data.models.FlashTest`)
    ``serial*, tested_at*, line, station, simulator, irradiance_wm2*, module_temp_c*,
    pmax_w*, voc_v*, isc_a*, vmp_v*, imp_a*, ff_pct*, eff_pct, rs_ohm, rsh_ohm``
``el`` (one EL inspection per row, :class:`~qdm.data.models.ElResult`)
    ``serial*, tested_at*, stage*`` (EL1/EL2), ``grade*`` (A/B/C), ``defects``
    (``CODE@CELL;CODE@CELL``, e.g. ``CRK-B@C12;DARK@A03``), ``image_ref,
    classifier_version, line``
``cells`` (one efficiency bin of one cell lot per row, :class:`~qdm.data.models.CellSortResult`)
    ``cell_lot*, tested_at*, bin*, quantity*, eta_pct*, voc_v*, isc_a*, ff_pct*, irev_count,
    line``
``measurements`` (one value per row, :class:`~qdm.data.models.Measurement`)
    ``characteristic*`` (catalog code), ``subject*, measured_at*, value*, line``

Every kind also accepts a ``site`` column (site code); without it the site comes from the
command (``--site``), the API or the upload form. Times are ISO 8601, preferably with an
offset (``2026-03-01T08:15:00+08:00``); a time without offset is read in the site's
timezone. ``line`` and ``station`` are codes of the site's lines and stations.

A :class:`Profile` maps a vendor's headers to canonical columns and converts units. Headers
are compared after :func:`normalise_header` (case, blanks and a trailing unit in brackets
are ignored); a recognised unit in the header (``最大功率(mW)``, ``Isc [mA]``) is converted
too. Built-in profiles: ``canonical``, ``zh-default`` (the usual Chinese tester headers) and
``halm-ma`` (currents in mA, FF as a fraction). Without ``--profile`` the profile whose
headers cover the required columns and match the most headers wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.db import models

KINDS = ("flash", "el", "cells", "measurements")


@dataclass(frozen=True)
class Column:
    """One canonical column: its type, whether its header and value are required, and the
    physical limits a value must respect."""

    name: str
    type: str  # text, float, int, time, site, line, station, choice, defects, characteristic
    required: bool = False
    max_length: int | None = None
    dimension: str = ""  # W, V, A, %, ohm, W/m2, C — what a unit in the header may convert
    nonnegative: bool = False
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # low limit excluded (FF > 0)
    choices: tuple[str, ...] = ()
    db_column: str = ""  # column in the fact table; empty: same as name


@dataclass(frozen=True)
class KindSpec:
    """What a kind of file holds: its canonical columns, the fact model and natural key."""

    kind: str
    model_label: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    label: object = ""

    @property
    def by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def model(self) -> type[models.Model]:
        from django.apps import apps

        return apps.get_model(self.model_label)


def _num(name: str, dimension: str, *, required: bool = True, **limits: object) -> Column:
    return Column(name, "float", required=required, dimension=dimension, **limits)  # type: ignore[arg-type]


SITE = Column("site", "site", db_column="site_id")
LINE = Column("line", "line", db_column="line_id")

SPECS: dict[str, KindSpec] = {
    "flash": KindSpec(
        "flash",
        "data.FlashTest",
        (
            Column("serial", "text", required=True, max_length=40),
            Column("tested_at", "time", required=True),
            SITE,
            LINE,
            Column("station", "station", db_column="station_id"),
            Column("simulator", "text", max_length=40),
            _num("irradiance_wm2", "W/m2", low=700, high=1300),
            _num("module_temp_c", "C", low=-40, high=100),
            _num("pmax_w", "W", nonnegative=True),
            _num("voc_v", "V", nonnegative=True),
            _num("isc_a", "A", nonnegative=True),
            _num("vmp_v", "V", nonnegative=True),
            _num("imp_a", "A", nonnegative=True),
            _num("ff_pct", "%", low=0, high=100, low_open=True),
            _num("eff_pct", "%", required=False, low=0, high=100, low_open=True),
            _num("rs_ohm", "ohm", required=False, nonnegative=True),
            _num("rsh_ohm", "ohm", required=False, nonnegative=True),
        ),
        ("serial", "tested_at"),
        _("Flash test"),
    ),
    "el": KindSpec(
        "el",
        "data.ElResult",
        (
            Column("serial", "text", required=True, max_length=40),
            Column("tested_at", "time", required=True),
            SITE,
            LINE,
            Column("stage", "choice", required=True, choices=("EL1", "EL2")),
            Column("grade", "choice", required=True, choices=("A", "B", "C")),
            Column("defects", "defects"),
            Column("image_ref", "text", max_length=255),
            Column("classifier_version", "text", max_length=40),
        ),
        ("serial", "stage", "tested_at"),
        _("EL result"),
    ),
    "cells": KindSpec(
        "cells",
        "data.CellSortResult",
        (
            Column("cell_lot", "text", required=True, max_length=40),
            Column("tested_at", "time", required=True),
            SITE,
            LINE,
            Column("bin", "text", required=True, max_length=20, db_column="efficiency_bin"),
            Column("quantity", "int", required=True, nonnegative=True),
            _num("eta_pct", "%", low=0, high=100, low_open=True),
            _num("voc_v", "V", nonnegative=True),
            _num("isc_a", "A", nonnegative=True),
            _num("ff_pct", "%", low=0, high=100, low_open=True),
            Column("irev_count", "int", nonnegative=True),
        ),
        ("cell_lot", "bin", "tested_at"),
        _("Cell sorter"),
    ),
    "measurements": KindSpec(
        "measurements",
        "data.Measurement",
        (
            Column(
                "characteristic", "characteristic", required=True, db_column="characteristic_id"
            ),
            Column("subject", "text", required=True, max_length=60),
            Column("measured_at", "time", required=True),
            SITE,
            LINE,
            _num("value", ""),
        ),
        ("characteristic", "subject", "measured_at"),
        _("Measurements"),
    ),
}

#: unit written in a header → (dimension, factor to the canonical unit)
HEADER_UNITS: dict[str, tuple[str, float]] = {
    "w": ("W", 1.0),
    "mw": ("W", 1e-3),
    "kw": ("W", 1e3),
    "v": ("V", 1.0),
    "mv": ("V", 1e-3),
    "a": ("A", 1.0),
    "ma": ("A", 1e-3),
    "%": ("%", 1.0),
    "ω": ("ohm", 1.0),
    "ohm": ("ohm", 1.0),
    "mω": ("ohm", 1e-3),
    "mohm": ("ohm", 1e-3),
    "w/m2": ("W/m2", 1.0),
    "w/m²": ("W/m2", 1.0),
    "w/㎡": ("W/m2", 1.0),
    "°c": ("C", 1.0),
    "℃": ("C", 1.0),
    "c": ("C", 1.0),
}

_UNIT_SUFFIX = re.compile(r"^(?P<name>.*?)\s*[\(\[（【](?P<unit>[^\)\]）】]*)[\)\]）】]\s*$")


def normalise_header(header: str) -> tuple[str, str]:
    """``" Pmax (mW) "`` → ``("pmax", "mw")``: the header without case, surrounding blanks
    and a trailing bracketed unit, and that unit (lower case, may be empty)."""
    text = header.replace("\ufeff", "").strip()
    unit = ""
    match = _UNIT_SUFFIX.match(text)
    if match:
        text, unit = match.group("name"), match.group("unit").strip().lower()
    return " ".join(text.casefold().split()), unit


@dataclass(frozen=True)
class Profile:
    """A vendor's column map (normalised header → canonical column, per kind) and the unit
    factors applied to a canonical column's values as read (``{"isc_a": 0.001}`` for mA)."""

    name: str
    description: object
    headers: dict[str, dict[str, str]]
    units: dict[str, dict[str, float]] = field(default_factory=dict)

    def supports(self, kind: str) -> bool:
        return kind in self.headers

    def factor(self, kind: str, column: str) -> float:
        return self.units.get(kind, {}).get(column, 1.0)


def _identity(kind: str) -> dict[str, str]:
    return {c.name: c.name for c in SPECS[kind].columns}


_ZH_COMMON = {"基地": "site", "基地代码": "site", "线别": "line", "产线": "line", "线体": "line"}
_ZH_SERIAL = {"序列号": "serial", "条码": "serial", "组件条码": "serial", "组件序列号": "serial"}
_ZH_TIME = {"测试时间": "tested_at", "测试日期时间": "tested_at", "时间": "tested_at"}

PROFILES: dict[str, Profile] = {
    "canonical": Profile(
        "canonical",
        _("QDM canonical columns"),
        {kind: _identity(kind) for kind in KINDS},
    ),
    "zh-default": Profile(
        "zh-default",
        _("Usual Chinese tester headers (UTF-8 or GB18030)"),
        {
            "flash": {
                **_ZH_COMMON,
                **_ZH_SERIAL,
                **_ZH_TIME,
                "工位": "station",
                "机台": "station",
                "模拟器": "simulator",
                "模拟器编号": "simulator",
                "辐照度": "irradiance_wm2",
                "光强": "irradiance_wm2",
                "温度": "module_temp_c",
                "组件温度": "module_temp_c",
                "最大功率": "pmax_w",
                "开路电压": "voc_v",
                "短路电流": "isc_a",
                "最大功率点电压": "vmp_v",
                "最大功率点电流": "imp_a",
                "填充因子": "ff_pct",
                "转换效率": "eff_pct",
                "效率": "eff_pct",
                "串联电阻": "rs_ohm",
                "并联电阻": "rsh_ohm",
            },
            "el": {
                **_ZH_COMMON,
                **_ZH_SERIAL,
                **_ZH_TIME,
                "工序": "stage",
                "站别": "stage",
                "等级": "grade",
                "缺陷": "defects",
                "图片": "image_ref",
                "图像": "image_ref",
                "算法版本": "classifier_version",
            },
            "cells": {
                **_ZH_COMMON,
                **_ZH_TIME,
                "电池批次": "cell_lot",
                "批次号": "cell_lot",
                "档位": "bin",
                "效率档": "bin",
                "数量": "quantity",
                "效率": "eta_pct",
                "转换效率": "eta_pct",
                "开路电压": "voc_v",
                "短路电流": "isc_a",
                "填充因子": "ff_pct",
                "反向电流不良数": "irev_count",
                "漏电不良数": "irev_count",
            },
            "measurements": {
                **_ZH_COMMON,
                "特性": "characteristic",
                "特性代码": "characteristic",
                "检验项目": "characteristic",
                "对象": "subject",
                "样品": "subject",
                "测量时间": "measured_at",
                "时间": "measured_at",
                "测量值": "value",
                "数值": "value",
            },
        },
    ),
    "halm-ma": Profile(
        "halm-ma",
        _("h.a.l.m.-style IV tester export: currents in mA, FF as a fraction"),
        {
            "flash": {
                "id": "serial",
                "testtime": "tested_at",
                "line": "line",
                "station": "station",
                "simulator": "simulator",
                "irr": "irradiance_wm2",
                "tmod": "module_temp_c",
                "pmpp": "pmax_w",
                "uoc": "voc_v",
                "isc": "isc_a",
                "umpp": "vmp_v",
                "impp": "imp_a",
                "ff": "ff_pct",
                "eta": "eff_pct",
                "rser": "rs_ohm",
                "rshunt": "rsh_ohm",
            },
        },
        {"flash": {"isc_a": 1e-3, "imp_a": 1e-3, "ff_pct": 100.0}},
    ),
}


@dataclass
class Mapping:
    """How one file's header maps onto a kind: column index and unit factor of every
    canonical column found, the headers not used, and what is missing."""

    profile: Profile
    headers: list[str]
    index: dict[str, int]
    factors: dict[str, float]
    unused: list[str]
    missing: list[str]

    @property
    def width(self) -> int:
        return len(self.headers)


def map_headers(kind: str, headers: list[str], profile: Profile) -> Mapping:
    """Map a file's ``headers`` onto ``kind`` with ``profile`` (first match of a column
    wins; a column named twice keeps the first)."""
    spec = SPECS[kind]
    table = {normalise_header(h)[0]: c for h, c in profile.headers.get(kind, {}).items()}
    index: dict[str, int] = {}
    factors: dict[str, float] = {}
    unused: list[str] = []
    for position, header in enumerate(headers):
        name, unit = normalise_header(header)
        column = table.get(name)
        if column is None or column in index:
            unused.append(header)
            continue
        index[column] = position
        factor = profile.factor(kind, column)
        dimension = spec.by_name[column].dimension
        known = HEADER_UNITS.get(unit)
        if known and dimension and known[0] == dimension:
            factor *= known[1]
        factors[column] = factor
    missing = [name for name in spec.required if name not in index]
    return Mapping(profile, headers, index, factors, unused, missing)


class UnknownProfile(LookupError):
    """The profile named is not in the registry."""


def resolve_mapping(kind: str, headers: list[str], profile_name: str | None = None) -> Mapping:
    """The mapping of ``headers`` with the named profile, or — without a name — with the
    profile that covers every required column and matches the most headers (registry order
    breaks ties). When none covers the required columns, the best partial match is
    returned (its ``missing`` names what is absent)."""
    if profile_name:
        profile = PROFILES.get(profile_name)
        if profile is None or not profile.supports(kind):
            raise UnknownProfile(profile_name)
        return map_headers(kind, headers, profile)
    best: Mapping | None = None
    for profile in PROFILES.values():
        if not profile.supports(kind):
            continue
        candidate = map_headers(kind, headers, profile)
        if best is None or (len(candidate.missing), -len(candidate.index)) < (
            len(best.missing),
            -len(best.index),
        ):
            best = candidate
    assert best is not None
    return best
