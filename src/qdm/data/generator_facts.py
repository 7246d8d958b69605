"""The facts half of the demo generator (:mod:`qdm.data.generator`): IV flash tests from
pvlib's single-diode model (with the IV curve of a sample of them), EL1 (before lamination)
and EL2 grades and defects, cell sorter summaries, IQC and process measurements, and the
bulk ``executemany`` writer they share with the genealogy."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from django.db import connection, models

from qdm.core.models import Station
from qdm.data.models import CellSortResult, ElResult, FlashTest
from qdm.data.seeds import FAMILY_CELL, family_code

if TYPE_CHECKING:
    from qdm.core.models import Line
    from qdm.data.models import CellProduct, ModuleModel

BATCH = 5_000
DAY = 86_400
#: EL2 defect rates per module (pv-reference §3.3 / §9, per 1 000: CRK-A 35, CRK-B 3.5 …)
EL_RATES = {
    "CRK-A": 0.035,
    "CRK-B": 0.0035,
    "CRK-C": 0.0012,
    "BRK": 0.0005,
    "SOLD": 0.002,
    "FING": 0.010,
    "DARK": 0.0005,
}
#: EL1 (before lamination, pv-reference §1.4): what the pre-lamination EL catches and sends
#: to rework, per module. The reference gives no EL1 rates ([U]); these are set so that
#: rework stays below 1 % and the defects are those it lists (cracks, broken and dark cells,
#: soldering). EL1 findings are repaired, so they do not reappear at EL2.
EL1_RATES = {
    "CRK-B": 0.002,
    "CRK-C": 0.001,
    "BRK": 0.001,
    "SOLD": 0.003,
    "DARK": 0.001,
}
#: one flash test in IV_EVERY keeps its IV curve (deterministic: by module index)
IV_EVERY = 25
#: points of a stored IV curve: 0 … Voc, denser towards Voc (the knee), plus the MPP
IV_POINTS = 40
CELL_IV = {
    "PERC": (0.690, 81.5),
    "TOPCON": (0.724, 83.5),
    "HJT": (0.745, 84.5),
    "BC": (0.730, 83.0),
}


def _chunks(rows: Iterable[Sequence[Any]], size: int = BATCH) -> Iterator[list[Sequence[Any]]]:
    chunk: list[Sequence[Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def insert(model: type[models.Model], fields: list[str], rows: Iterable[Sequence[Any]]) -> int:
    """``executemany`` INSERT of ``rows`` (values in ``fields`` order) in batches."""
    qn = connection.ops.quote_name
    # every name in ``fields`` is a concrete field (a reverse relation has no column)
    columns = ", ".join(
        qn(cast("models.Field[Any, Any]", model._meta.get_field(f)).column) for f in fields
    )
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    n = 0
    with connection.cursor() as cursor:
        for chunk in _chunks(rows):
            cursor.executemany(sql, chunk)
            n += len(chunk)
    return n


def timestamps(secs: np.ndarray) -> list[Any]:
    """Epoch seconds → values for a DateTimeField (UTC, whole seconds)."""
    secs = np.asarray(secs, dtype=np.int64)
    if connection.vendor == "sqlite":
        text = np.datetime_as_string(secs.astype("datetime64[s]"), unit="s")
        return [s.replace("T", " ") for s in text.tolist()]
    return [datetime.fromtimestamp(s, UTC) for s in secs.tolist()]


class FactsMixin:
    """The fact writers of :class:`qdm.data.generator.Generator`; the state and helpers
    they read are the generator's, declared here for the type checker only."""

    ctx: Any
    rng: np.random.Generator
    days: int
    t0: int
    lines: list[Line]
    models: dict[str, ModuleModel]
    cells: dict[str, CellProduct]
    stations: dict[int, str]
    module_lines: list[Line]
    line_model: list[ModuleModel]
    cell_lot_info: list[tuple[int, str, int, str, float, int, str]]

    if TYPE_CHECKING:

        def site_id(self, code: str) -> int: ...

        def stage_lines(self, letter: str, sites: Sequence[str] | None = None) -> list[Line]: ...

        def measure(
            self,
            char: str,
            subject: str,
            secs: int,
            value: float,
            site: int,
            line: int | None = None,
        ) -> None: ...

    def _ingot_facts(self, code: str, secs: int, doping: str, site: int, line: int) -> None:
        profile = (1.5, 1.0, 0.6) if doping == "n" else (1.0, 0.8, 0.55)
        for i, (part, rho) in enumerate(zip("SMT", profile, strict=True)):
            value = rho * self.rng.lognormal(0, 0.08)
            self.measure("WAF-RES", f"{code}-{part}", secs + 3600 * (i + 1), value, site, line)
        life = self.rng.normal(1100, 250) if doping == "n" else self.rng.normal(150, 40)
        self.measure("WAF-LIFE", code, secs + 4 * 3600, max(life, 20.0), site, line)

    def _iqc_facts(self, code: str, lot: str, recv: int, site_code: str, site: int) -> None:
        at = recv + 3 * 3600
        if code in ("GLS-AR-3.2", "GLS-AR-2.0"):
            nominal = 3.2 if code == "GLS-AR-3.2" else 2.0
            self.measure("IQC-GLS-THK", lot, at, self.rng.normal(nominal, 0.04), site)
            self.measure("IQC-GLS-TRANS", lot, at, self.rng.normal(94.1, 0.25), site)
        if code.startswith("ENC-"):
            mean = {"ENC-EVA-T": 85.0, "ENC-EVA-W": 85.0, "ENC-POE": 72.0, "ENC-EPE": 78.0}[code]
            if site_code == "VN1":
                mean -= 2.0  # tropical storage: the reason for VN1's site override
            for shift in range(2):
                self.measure(
                    "MOD-EVA-GEL", lot, at + shift * 8 * 3600, self.rng.normal(mean, 3.0), site
                )
            if code in ("ENC-EVA-T", "ENC-EPE"):
                self.measure("MOD-PEEL-GLASS", lot, at, self.rng.normal(75, 8), site)

    def flash(self, line: np.ndarray, bin_eff: np.ndarray, el_loss: np.ndarray) -> dict[str, Any]:
        from pvlib.pvsystem import calcparams_cec, singlediode

        n = len(line)
        out = {k: np.zeros(n) for k in ("g", "t", "voc", "isc", "vmp", "imp", "rs", "rsh", "area")}
        raw_curves: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        model_of = np.array([self.line_model[i].code for i in line.tolist()]) if n else np.array([])
        for code in sorted(set(model_of.tolist())):
            model = self.models[code]
            dp = model.diode_parameters
            idx = np.flatnonzero(model_of == code)
            m = len(idx)
            nominal = self.cells[FAMILY_CELL[family_code(model)]].nominal_efficiency_pct
            il = self.rng.normal(1.003, 0.004, m) * (1 + (bin_eff[idx] - nominal) / nominal * 0.8)
            rs = self.rng.lognormal(0, 0.06, m)
            rsh = self.rng.lognormal(0, 0.25, m)
            outlier = self.rng.random(m) < 0.015
            kind = self.rng.integers(0, 3, m)
            il = np.where(outlier & (kind == 0), il * self.rng.uniform(0.93, 0.98, m), il)
            rsh = np.where(outlier & (kind == 1), rsh * self.rng.uniform(0.5, 0.8, m), rsh)
            rs = np.where(outlier & (kind == 2), rs * self.rng.uniform(1.3, 1.8, m), rs)
            rsh = np.maximum(rsh, 0.35)  # a shunt worse than this is scrapped before the flash
            il = il * (1 - el_loss[idx])
            g = self.rng.normal(1000, 3, m)
            t = self.rng.normal(25, 0.5, m)
            params = calcparams_cec(
                g,
                t,
                dp["alpha_sc"],
                dp["a_ref"],
                dp["I_L_ref"] * il,
                dp["I_o_ref"],
                dp["R_sh_ref"] * rsh,
                dp["R_s"] * rs,
                dp["Adjust"],
            )
            iv = singlediode(*params)
            raw_curves.update(_curves(idx, params, np.asarray(iv["v_oc"])))
            out["g"][idx], out["t"][idx] = g, t
            out["voc"][idx], out["isc"][idx] = np.asarray(iv["v_oc"]), np.asarray(iv["i_sc"])
            out["vmp"][idx], out["imp"][idx] = np.asarray(iv["v_mp"]), np.asarray(iv["i_mp"])
            out["rs"][idx] = dp["R_s"] * rs * self.rng.normal(1, 0.03, m)
            out["rsh"][idx] = dp["R_sh_ref"] * rsh * self.rng.normal(1, 0.05, m)
            out["area"][idx] = dp.get("A_c") or model.length_mm * model.width_mm / 1e6
        vmp, imp = np.round(out["vmp"], 3), np.round(out["imp"], 4)
        voc, isc = np.round(out["voc"], 3), np.round(out["isc"], 4)
        pmax = vmp * imp
        return {
            "g": np.round(out["g"], 1),
            "t": np.round(out["t"], 2),
            "voc": voc,
            "isc": isc,
            "vmp": vmp,
            "imp": imp,
            "pmax": pmax,
            "ff": np.round(pmax / (voc * isc) * 100, 3),
            "eff": np.round(pmax / (1000 * out["area"]) * 100, 3),
            "rs": np.round(out["rs"], 4),
            "rsh": np.round(out["rsh"], 2),
            "curves": {
                i: iv_curve(v, c, float(vmp[i]), float(imp[i]))
                for i, (v, c) in sorted(raw_curves.items())
            },
        }

    def el(self, line: np.ndarray) -> tuple[np.ndarray, list[list[dict[str, str]]], np.ndarray]:
        """EL2 defects (Poisson at the reference rates, per-line factor), grade and power loss."""
        n = len(line)
        factor = self.rng.lognormal(0, 0.25, len(self.module_lines))[line] if n else np.ones(0)
        counts = {code: self.rng.poisson(rate * factor) for code, rate in EL_RATES.items()}
        grade = np.full(n, "A")
        b = (counts["CRK-B"] > 0) | (counts["DARK"] > 0) | (counts["CRK-A"] > 2)
        c = (counts["CRK-C"] > 0) | (counts["BRK"] > 0) | (counts["SOLD"] > 0)
        grade[b] = "B"
        grade[c] = "C"
        loss = np.where(c, self.rng.uniform(0.005, 0.03, n), 0.0)
        defects: list[list[dict[str, str]]] = [[] for _ in range(n)]
        for code, arr in counts.items():
            for i in np.flatnonzero(arr).tolist():
                cells = self.line_model[int(line[i])].cell_count
                for _ in range(int(arr[i])):
                    pos = int(self.rng.integers(cells))
                    per_string = -(-cells // 6)
                    defects[i].append(
                        {
                            "code": code,
                            "cell": f"{'ABCDEF'[pos // per_string]}{pos % per_string + 1:02d}",
                        }
                    )
        return grade, defects, loss

    def el1(
        self, line: np.ndarray, secs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, list[list[dict[str, str]]]]:
        """EL1 before lamination for every module: the defects it sends to rework (Poisson
        at EL1_RATES, the line's factor as for EL2), graded with the EL2 rules, 2.5–5 h
        before the flash test. A second random stream keeps the rest of the history the
        same as without EL1."""
        rng = np.random.default_rng((int(self.ctx.seed), 1))
        n = len(line)
        factor = rng.lognormal(0, 0.25, len(self.module_lines))[line] if n else np.ones(0)
        counts = {code: rng.poisson(rate * factor) for code, rate in EL1_RATES.items()}
        grade = np.full(n, "A")
        grade[(counts["CRK-B"] > 0) | (counts["DARK"] > 0)] = "B"
        grade[(counts["CRK-C"] > 0) | (counts["BRK"] > 0) | (counts["SOLD"] > 0)] = "C"
        at = secs - rng.integers(9_000, 18_000, n) if n else secs
        defects: list[list[dict[str, str]]] = [[] for _ in range(n)]
        for code, arr in counts.items():
            for i in np.flatnonzero(arr).tolist():
                cells = self.line_model[int(line[i])].cell_count
                per_string = -(-cells // 6)
                for _ in range(int(arr[i])):
                    pos = int(rng.integers(cells))
                    defects[i].append(
                        {
                            "code": code,
                            "cell": f"{'ABCDEF'[pos // per_string]}{pos % per_string + 1:02d}",
                        }
                    )
        return grade, at, defects

    def process(self) -> None:
        """Laminator temperature per module line and hour; firing peak temperature per cell
        line and hour; emitter sheet resistance per cell line every four hours."""
        hours = np.arange(self.days * 24) * 3600 + self.t0
        for ln in self.stage_lines("M"):
            site = self.site_id(ln.code[:3])
            sigma = 0.5 if ln.code.startswith("ZJ1") else 0.9
            drift = 0.6 * np.sin(np.arange(len(hours)) / 37.0 + self.rng.uniform(0, 6))
            values = 150 + self.rng.normal(0, 0.5) + drift + self.rng.normal(0, sigma, len(hours))
            for t, v in zip(hours.tolist(), values.tolist(), strict=True):
                self.measure("MOD-LAM-TEMP", f"{ln.code}-LAM", t, v, site, ln.id)
        for ln in self.stage_lines("C"):
            site = self.site_id(ln.code[:3])
            fire = 775 + self.rng.normal(0, 3) + self.rng.normal(0, 3.5, len(hours))
            for t, v in zip(hours.tolist(), fire.tolist(), strict=True):
                self.measure("CEL-FIRE-PEAK", f"{ln.code}-FIR", t, v, site, ln.id)
            sheet = 150 + self.rng.normal(0, 5) + self.rng.normal(0, 6, len(hours[::4]))
            for t, v in zip(hours[::4].tolist(), sheet.tolist(), strict=True):
                self.measure("CEL-SHEET-R", f"{ln.code}-DIF", t + 600, v, site, ln.id)

    def cell_sort(self) -> int:
        rows = []
        for _uid, code, made, fam, eff_bin, qty, line_code in self.cell_lot_info:
            voc0, ff0 = CELL_IV[fam]
            line = next(ln for ln in self.lines if ln.code == line_code)
            site = self.site_id(line_code[:3])
            shares = (self.rng.uniform(0.1, 0.2), 1.0, self.rng.uniform(0.05, 0.15))
            for offset, share in zip((-0.1, 0.0, 0.1), shares, strict=True):
                b = round(eff_bin + offset, 1)
                eta = b + 0.05 + self.rng.normal(0, 0.01)
                voc = voc0 + self.rng.normal(0, 0.001)
                ff = ff0 + self.rng.normal(0, 0.2)
                isc = eta / 100 * 0.1 * 330.2 / (voc * ff / 100)
                rows.append(
                    (
                        code,
                        made - 600,
                        f"{b:.1f}%",
                        round(qty * share),
                        round(eta, 3),
                        round(voc, 4),
                        round(isc, 3),
                        round(ff, 2),
                        int(self.rng.poisson(qty * share * 0.0005)),
                        site,
                        line.id,
                    )
                )
        stamps = timestamps(np.array([r[1] for r in rows], dtype=np.int64))
        rows = [(r[0], s, *r[2:]) for r, s in zip(rows, stamps, strict=True)]
        return insert(
            CellSortResult,
            [
                "cell_lot",
                "tested_at",
                "efficiency_bin",
                "quantity",
                "eta_pct",
                "voc_v",
                "isc_a",
                "ff_pct",
                "irev_count",
                "site",
                "line",
            ],
            rows,
        )

    def write_flash(
        self, line: np.ndarray, secs: np.ndarray, serials: list[str], iv: dict[str, Any]
    ) -> int:
        site = [self.site_id(self.module_lines[i].code[:3]) for i in range(len(self.module_lines))]
        station = {
            ln.id: sid
            for ln in self.module_lines
            for sid in Station.objects.filter(code=f"{ln.code}-IV").values_list("id", flat=True)
        }
        cols = [
            iv[k].tolist()
            for k in ("g", "t", "pmax", "voc", "isc", "vmp", "imp", "ff", "eff", "rs", "rsh")
        ]
        curve_field = FlashTest._meta.get_field("iv_curve")
        curves = {
            i: curve_field.get_db_prep_save(curve, connection)
            for i, curve in iv.get("curves", {}).items()
        }
        lines = line.tolist()
        rows = (
            (
                serials[i],
                t,
                site[lines[i]],
                self.module_lines[lines[i]].id,
                station.get(self.module_lines[lines[i]].id),
                self.stations.get(self.module_lines[lines[i]].id, ""),
                *(c[i] for c in cols),
                curves.get(i),
            )
            for i, t in enumerate(timestamps(secs))
        )
        return insert(
            FlashTest,
            [
                "serial",
                "tested_at",
                "site",
                "line",
                "station",
                "simulator",
                "irradiance_wm2",
                "module_temp_c",
                "pmax_w",
                "voc_v",
                "isc_a",
                "vmp_v",
                "imp_a",
                "ff_pct",
                "eff_pct",
                "rs_ohm",
                "rsh_ohm",
                "iv_curve",
            ],
            rows,
        )

    def write_el(
        self,
        line: np.ndarray,
        secs: np.ndarray,
        serials: list[str],
        grade: np.ndarray,
        defects: list[list[dict[str, str]]],
        *,
        stage: str = "EL2",
        indices: Sequence[int] | None = None,
    ) -> int:
        """EL results of ``stage`` tested at ``secs`` (one per module, or for ``indices``
        only; ``secs``, ``grade`` and ``defects`` are then per index)."""
        field = ElResult._meta.get_field("defects")
        empty = field.get_db_prep_save([], connection)
        lines = line.tolist()
        grades = grade.tolist()
        which = list(range(len(serials))) if indices is None else list(indices)
        folder = stage.lower()
        suffix = "-r" if indices is not None else ""  # a re-test after rework
        rows = (
            (
                serials[m],
                t,
                stage,
                grades[k],
                field.get_db_prep_save(defects[k], connection) if defects[k] else empty,
                f"{folder}/{serials[m][:3]}/{str(t)[:10]}/{serials[m]}{suffix}.jpg",
                "elnet-2.3.1",
                self.site_id(self.module_lines[lines[m]].code[:3]),
                self.module_lines[lines[m]].id,
            )
            for k, (m, t) in enumerate(zip(which, timestamps(secs), strict=True))
        )
        return insert(
            ElResult,
            [
                "serial",
                "tested_at",
                "stage",
                "grade",
                "defects",
                "image_ref",
                "classifier_version",
                "site",
                "line",
            ],
            rows,
        )


def _curves(
    idx: np.ndarray, params: tuple[Any, ...], voc: np.ndarray
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """The IV curves (volts, amperes on IV_POINTS voltages from 0 to Voc) of the modules of
    ``idx`` picked for keeping one (every IV_EVERY-th), from their single-diode parameters."""
    from pvlib.pvsystem import i_from_v

    pick = np.flatnonzero(idx % IV_EVERY == 0)
    if not len(pick):
        return {}
    il, io, rs, rsh, nvth = (
        np.broadcast_to(np.asarray(p, dtype=float), idx.shape)[pick] for p in params
    )
    t = np.linspace(0.0, 1.0, IV_POINTS)
    volts = voc[pick][:, None] * (1 - (1 - t) ** 1.6)[None, :]
    amps = i_from_v(volts, il[:, None], io[:, None], rs[:, None], rsh[:, None], nvth[:, None])
    return {int(idx[k]): (volts[j], np.asarray(amps)[j]) for j, k in enumerate(pick.tolist())}


def iv_curve(volts: np.ndarray, amps: np.ndarray, vmp: float, imp: float) -> dict[str, list[float]]:
    """A stored IV curve: ``{"v": [...], "i": [...]}``, voltage rising from 0 (Isc) to Voc
    (0 A), the flash test's maximum power point (Vmp, Imp) included, V to mV and I to 0.1 mA."""
    v = np.round(np.append(volts, vmp), 3)
    i = np.round(np.maximum(np.append(amps, imp), 0.0), 4)
    order = np.argsort(v, kind="stable")
    return {"v": v[order].tolist(), "i": i[order].tolist()}
