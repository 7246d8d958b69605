"""Master data and catalog seeds: product families, module models from pvlib's bundled CEC
module database, cell and wafer products, material categories and materials, a bill of
materials per module model, and the characteristic catalog with group, site and customer
specifications (pv-reference §1-§3). Idempotent: every record is found or created by its
code, so seeding twice changes nothing.

Module models. pvlib 0.16 bundles the CEC module library of 2019-03-05; its largest 72/144
cell mono-Si modules are ~410-420 W, so today's 540-600 W TOPCon class is not in it. Each
family takes the closest real entry instead (``MODULE_SOURCES``), with its CEC values
unchanged, so Pmax = V_mp_ref x I_mp_ref and the single-diode parameters describe one real
product:

- PERC: Jinko JKM410M-72HL (144 half-cut cells; CEC already counts N_s = 144) and LONGi
  LR6-72HBD-385M (bifacial, glass-glass; CEC lists N_s = 72 full-cell equivalents of a
  half-cut layout, stored as 144 cells).
- TOPCon: no TOPCon in the 2019 library; the n-type LG NeON 2 (LG410N2W-A5, 72 cells) and
  NeON 2 BiFacial (LG380N2T-A4) are the nearest n-type passivated-contact products.
- HJT: Panasonic VBHN340SA17 (HIT, 96 cells). BC: SunPower SPR-X22-480-COM (IBC, 128 cells).

Conversions: beta_oc (V/°C) / V_oc_ref and alpha_sc (A/°C) / I_sc_ref, x100 → %/°C; gamma_r
is already %/°C. Efficiency = Pmax / (1000 W/m² x A_c). Length/width come from the CEC entry
(m → mm) when present, otherwise from A_c at the 2278 x 1134 mm aspect ratio. Bifaciality is
not in the CEC data: the technology's typical value (pv-reference §3.1) for bifacial entries.
"""

from __future__ import annotations

import math
from decimal import Decimal
from functools import cache
from typing import Any

from qdm.core.models import Customer, Site
from qdm.data.models import (
    BomLine,
    CellProduct,
    Characteristic,
    Material,
    MaterialCategory,
    ModuleModel,
    ProductFamily,
    Specification,
    WaferProduct,
)

# fmt: off
FAMILIES = [
    ("PERC", "PERC 单晶", "PERC mono", "perc"),
    ("TOPCON", "TOPCon 隧穿氧化钝化接触", "TOPCon (tunnel-oxide passivated contact)", "topcon"),
    ("HJT", "HJT 异质结", "HJT (heterojunction)", "hjt"),
    ("BC", "BC 背接触", "BC (back contact)", "bc"),
]
# fmt: on

# code, family, CEC entry, cell count, glass-glass, zh name, en name
# fmt: off
MODULE_SOURCES = [
    ("SRM-P410-144H", "PERC", "Jinko_Solar_Co___Ltd_JKM410M_72HL", 144, False,
     "PERC 144 半片单面组件 410 W", "PERC 144 half-cell monofacial 410 W"),
    ("SRM-P385-144HB", "PERC", "LONGi_Green_Energy_Technology_Co___Ltd__LR6_72HBD_385M", 144,
     True, "PERC 144 半片双面双玻组件 385 W", "PERC 144 half-cell bifacial glass-glass 385 W"),
    ("SRM-N410-72", "TOPCON", "LG_Electronics_Inc__LG410N2W_A5", 72, False,
     "N 型 72 片单面组件 410 W", "n-type 72-cell monofacial 410 W"),
    ("SRM-N380-72B", "TOPCON", "LG_Electronics_Inc__LG380N2T_A4", 72, True,
     "N 型 72 片双面双玻组件 380 W", "n-type 72-cell bifacial glass-glass 380 W"),
    ("SRM-H340-96", "HJT", "SANYO_ELECTRIC_CO_LTD_OF_PANASONIC_GROUP_VBHN340SA17", 96, False,
     "HJT 96 片组件 340 W", "HJT 96-cell 340 W"),
    ("SRM-B480-128", "BC", "Sunpower_SPR_X22_480_COM", 128, False, "BC 背接触 128 片组件 480 W",
     "BC back-contact 128-cell 480 W"),
]
# fmt: on
BIFACIALITY = {"PERC": 70.0, "TOPCON": 80.0, "HJT": 85.0, "BC": 70.0}
STANDARD_MM = (2278, 1134)

# code, family, zh, en, wafer format, area cm², nominal efficiency %
# fmt: off
CELL_PRODUCTS = [
    ("C-M10-PERC-233", "PERC", "M10 PERC 电池 23.3 %", "M10 PERC cell 23.3 %", "M10", 330.2, 23.3),
    ("C-M10-TOPCON-252", "TOPCON", "M10 TOPCon 电池 25.2 %", "M10 TOPCon cell 25.2 %", "M10",
     330.2, 25.2),
    ("C-G12R-TOPCON-250", "TOPCON", "G12R TOPCon 电池 25.0 %", "G12R TOPCon cell 25.0 %", "G12R",
     382.2, 25.0),
    ("C-M10-HJT-254", "HJT", "M10 HJT 电池 25.4 %", "M10 HJT cell 25.4 %", "M10", 330.2, 25.4),
    ("C-M10-BC-260", "BC", "M10 BC 电池 26.0 %", "M10 BC cell 26.0 %", "M10", 330.2, 26.0),
]
# fmt: on
#: which cell product each family's modules are built from
FAMILY_CELL = {
    "PERC": "C-M10-PERC-233",
    "TOPCON": "C-M10-TOPCON-252",
    "HJT": "C-M10-HJT-254",
    "BC": "C-M10-BC-260",
}

# code, zh, en, format, doping, thickness µm
# fmt: off
WAFER_PRODUCTS = [
    ("W-M10-N130", "M10 N 型硅片 130 µm", "M10 n-type wafer 130 µm", "M10", "n", 130.0),
    ("W-M10-N110", "M10 N 型硅片 110 µm (HJT)", "M10 n-type wafer 110 µm (HJT)", "M10", "n",
     110.0),
    ("W-M10-P150", "M10 P 型硅片 150 µm", "M10 p-type wafer 150 µm", "M10", "p", 150.0),
    ("W-G12R-N130", "G12R N 型硅片 130 µm", "G12R n-type wafer 130 µm", "G12R", "n", 130.0),
]
# fmt: on
FAMILY_WAFER = {
    "PERC": "W-M10-P150",
    "TOPCON": "W-M10-N130",
    "HJT": "W-M10-N110",
    "BC": "W-M10-N130",
}

# category code, zh, en, supplier category (qdm.core.demo.SUPPLIERS)
# fmt: off
CATEGORIES = [
    ("POLY", "多晶硅", "Polysilicon", "polysilicon"),
    ("WAFER", "硅片", "Wafer", "wafer"),
    ("CELL", "电池片", "Cell", "cell"),
    ("GLASS", "光伏玻璃", "Solar glass", "glass"),
    ("ENCAP", "封装胶膜 (EVA/POE)", "Encapsulant (EVA/POE)", "encapsulant"),
    ("BACKSHEET", "背板", "Backsheet", "backsheet"),
    ("FRAME", "铝边框", "Aluminium frame", "frame"),
    ("JBOX", "接线盒", "Junction box", "junction box"),
    ("RIBBON", "焊带", "Ribbon", "ribbon"),
    ("PASTE", "银浆", "Silver paste", "silver paste"),
    ("SEALANT", "硅胶", "Sealant", "sealant"),
    ("PACKAGING", "包装材料", "Packaging", "packaging"),
]
# fmt: on
CATEGORY_OF_SUPPLIER = {supplier: code for code, _zh, _en, supplier in CATEGORIES}

# code, category, zh, en, unit, specification (pv-reference §2)
# fmt: off
MATERIALS = [
    ("POLY-N-DENSE", "POLY", "N 型致密料", "n-type dense polysilicon", "kg",
     "GB/T 25074 electronic grade 1; donor ≤ 0.3 ppba, carbon ≤ 0.5 ppma, metals ≤ 10 ppbw"),
    ("POLY-P-DENSE", "POLY", "P 型致密料", "p-type dense polysilicon", "kg",
     "GB/T 25074 solar grade 1; acceptor ≤ 0.5 ppba, carbon ≤ 1 ppma"),
    ("WAF-M10-N130", "WAFER", "M10 N 型硅片 130 µm", "M10 n-type wafer 130 µm", "pcs",
     "182.2 × 183.75 mm ± 0.25; 130 ± 13 µm; TTV ≤ 25 µm; 0.3-2.0 Ω·cm; lifetime ≥ 300 µs"),
    ("WAF-M10-N110", "WAFER", "M10 N 型硅片 110 µm", "M10 n-type wafer 110 µm", "pcs",
     "182.2 × 183.75 mm ± 0.25; 110 ± 10 µm; TTV ≤ 20 µm; 1-7 Ω·cm"),
    ("WAF-M10-P150", "WAFER", "M10 P 型硅片 150 µm", "M10 p-type wafer 150 µm", "pcs",
     "182.2 × 183.75 mm ± 0.25; 150 ± 15 µm; TTV ≤ 25 µm; 0.4-1.1 Ω·cm (Ga)"),
    ("CEL-M10-PERC", "CELL", "M10 PERC 半片电池", "M10 PERC half-cut cell", "pcs",
     "η bin 0.1 % abs; chips < 1 mm² ≤ 2; bow ≤ 0.75 mm; no EL cracks"),
    ("CEL-M10-TOPCON", "CELL", "M10 TOPCon 电池", "M10 TOPCon cell", "pcs",
     "η bin 0.1 % abs; chips < 1 mm² ≤ 2; bow ≤ 0.75 mm; no EL cracks"),
    ("CEL-M10-HJT", "CELL", "M10 HJT 电池", "M10 HJT cell", "pcs",
     "η bin 0.1 % abs; storage ≤ 6 months, RH < 60 %"),
    ("CEL-M10-BC", "CELL", "M10 BC 电池", "M10 BC cell", "pcs", "η bin 0.1 % abs; no EL cracks"),
    ("GLS-AR-3.2", "GLASS", "3.2 mm 镀膜钢化玻璃", "3.2 mm AR tempered front glass", "pcs",
     "3.2 mm AR glass, transmittance ≥ 93.5 %; thickness 3.2 ± 0.2 mm; bow ≤ 0.2 %"),
    ("GLS-AR-2.0", "GLASS", "2.0 mm 镀膜半钢化前板玻璃",
     "2.0 mm AR heat-strengthened front glass", "pcs",
     "2.0 mm AR glass, transmittance ≥ 93.5 %; thickness 2.0 ± 0.1 mm; ≥ 90 MPa"),
    ("GLS-RR-2.0", "GLASS", "2.0 mm 网格背板玻璃", "2.0 mm rear glass with grid glaze", "pcs",
     "2.0 ± 0.1 mm; white grid glaze; bubbles < 1 mm ≤ 6 /m²"),
    ("ENC-EVA-T", "ENCAP", "透明 EVA 胶膜 0.45 mm", "Transparent EVA 0.45 mm", "m2",
     "gel content ≥ 75 % after test lamination; peel to glass ≥ 53 N/cm; shrinkage < 3 % MD"),
    ("ENC-EVA-W", "ENCAP", "白色 EVA 胶膜 0.45 mm", "White EVA 0.45 mm", "m2",
     "gel content ≥ 75 %; reflectance ≥ 90 %; volume resistivity > 1e14 Ω·cm"),
    ("ENC-EPE", "ENCAP", "EPE 共挤胶膜 0.50 mm", "EPE co-extruded film 0.50 mm", "m2",
     "gel content ≥ 70 %; volume resistivity > 1e15 Ω·cm; UV cut-off ≤ 340 nm"),
    ("ENC-POE", "ENCAP", "POE 胶膜 0.50 mm", "POE 0.50 mm", "m2",
     "gel content ≥ 60 %; volume resistivity > 1e15 Ω·cm (PID)"),
    ("BS-KPF-320", "BACKSHEET", "KPf 背板 320 µm", "KPf backsheet 320 µm", "m2",
     "320 ± 20 µm; shrink < 1.5 %; breakdown ≥ 20 kV; WVTR ≤ 1.5 g/m²·d"),
    ("FRM-AL-35", "FRAME", "6063-T5 阳极氧化铝边框 35 mm", "6063-T5 anodised frame 35 mm", "set",
     "anodising ≥ 15 µm (AA15); profile ± 0.5 mm"),
    ("JB-IP68-3D", "JBOX", "IP68 三分体接线盒 30 A", "IP68 split junction box 30 A", "pcs",
     "IP68; 3 bypass diodes; 30 A; 4 mm² cable; IEC 62790 / IEC 62852"),
    ("RIB-MBB-026", "RIBBON", "MBB 圆焊丝 Ø0.26 mm", "MBB round wire Ø 0.26 mm", "g",
     "Cu core Ø 0.26 mm, Sn-Pb coating; elongation ≥ 15 %"),
    ("RIB-BUS-5X04", "RIBBON", "汇流条 5 × 0.4 mm", "Bus ribbon 5 × 0.4 mm", "g",
     "Cu 5 × 0.4 mm, Sn coating 20 µm"),
    ("AG-FRONT", "PASTE", "正面银铝浆", "Front Ag/Al paste", "g",
     "viscosity and solids per supplier COA; shelf life 6 months at 0-10 °C"),
    ("AG-REAR", "PASTE", "背面银浆", "Rear Ag paste", "g", "per supplier COA"),
    ("SIL-FRAME", "SEALANT", "边框密封硅胶", "Frame silicone sealant", "g",
     "Shore A 40 ± 5; adhesion to Al and glass; cure ≤ 24 h"),
    ("SIL-POT", "SEALANT", "接线盒灌封胶", "Junction box potting", "g", "two-part; cure ≤ 4 h"),
    ("PKG-PALLET-36", "PACKAGING", "36 片木托包装", "Wooden pallet set, 36 modules", "set",
     "pallet, corner protectors, straps; 36 pcs per pallet"),
]
# fmt: on
FAMILY_CELL_MATERIAL = {
    "PERC": "CEL-M10-PERC",
    "TOPCON": "CEL-M10-TOPCON",
    "HJT": "CEL-M10-HJT",
    "BC": "CEL-M10-BC",
}


def module_materials(glass_glass: bool) -> dict[str, str]:
    """The material of each bill-of-materials slot the generator traces per module."""
    if glass_glass:
        return {
            "glass": "GLS-AR-2.0",
            "encap_front": "ENC-EPE",
            "encap_rear": "ENC-POE",
            "rear": "GLS-RR-2.0",
        }
    return {
        "glass": "GLS-AR-3.2",
        "encap_front": "ENC-EVA-T",
        "encap_rear": "ENC-EVA-W",
        "rear": "BS-KPF-320",
    }


@cache
def cec_modules() -> Any:
    """pvlib's bundled CEC module library (read from the wheel, no network)."""
    from pvlib.pvsystem import retrieve_sam

    return retrieve_sam("CECMod")


def module_values(entry: str, cell_count: int, family: str) -> dict[str, Any]:
    """Datasheet values and single-diode parameters of a CEC entry, converted."""
    p = cec_modules()[entry]
    vmp, imp = float(p["V_mp_ref"]), float(p["I_mp_ref"])
    voc, isc = float(p["V_oc_ref"]), float(p["I_sc_ref"])
    area = float(p["A_c"])
    pmax = vmp * imp
    length, width = float(p["Length"]), float(p["Width"])
    if math.isnan(length) or math.isnan(width):
        aspect = STANDARD_MM[0] / STANDARD_MM[1]
        length = math.sqrt(area * aspect)
        width = area / length
    bifacial = bool(int(p["Bifacial"]))
    return {
        "pmax_w": pmax,
        "voc_v": voc,
        "isc_a": isc,
        "vmp_v": vmp,
        "imp_a": imp,
        "efficiency_pct": pmax / (1000.0 * area) * 100.0,
        "temp_coeff_pmax_pct_per_c": float(p["gamma_r"]),
        "temp_coeff_voc_pct_per_c": float(p["beta_oc"]) / voc * 100.0,
        "temp_coeff_isc_pct_per_c": float(p["alpha_sc"]) / isc * 100.0,
        "length_mm": round(length * 1000),
        "width_mm": round(width * 1000),
        "thickness_mm": 35 if bifacial else 30,
        "cell_count": cell_count,
        "bifaciality_pct": BIFACIALITY[family] if bifacial else None,
        "diode_parameters": {
            "I_L_ref": float(p["I_L_ref"]),
            "I_o_ref": float(p["I_o_ref"]),
            "R_s": float(p["R_s"]),
            "R_sh_ref": float(p["R_sh_ref"]),
            "a_ref": float(p["a_ref"]),
            "Adjust": float(p["Adjust"]),
            "alpha_sc": float(p["alpha_sc"]),
            "N_s": int(p["N_s"]),
            "A_c": area,
        },
        "source": f"CEC {entry} (pvlib sam-library-cec-modules-2019-03-05)",
    }


def _bom(model: ModuleModel, family: str, glass_glass: bool, mats: dict[str, Material]) -> None:
    area = model.length_mm * model.width_mm / 1e6
    full_cells = model.cell_count / 2 if model.cell_count == 144 else model.cell_count
    slots = module_materials(glass_glass)
    lines = [
        (FAMILY_CELL_MATERIAL[family], model.cell_count),
        (slots["glass"], 1),
        (slots["encap_front"], round(area * 1.02, 3)),
        (slots["encap_rear"], round(area * 1.02, 3)),
        (slots["rear"], 1 if glass_glass else round(area * 1.02, 3)),
        ("FRM-AL-35", 1),
        ("JB-IP68-3D", 1),
        ("RIB-MBB-026", round(0.75 * model.cell_count, 1)),
        ("RIB-BUS-5X04", 28),
        ("AG-FRONT", round(0.065 * full_cells, 2)),
        ("AG-REAR", round(0.030 * full_cells, 2)),
        ("SIL-FRAME", 320),
        ("SIL-POT", 60),
        ("PKG-PALLET-36", round(1 / 36, 4)),
    ]
    for code, quantity in lines:
        BomLine.objects.get_or_create(
            module_model=model,
            material=mats[code],
            defaults={"quantity": Decimal(str(quantity))},
        )


def seed_master() -> dict[str, int]:
    """Product families, module models, cells, wafers, categories, materials, BOMs."""
    families = {
        code: ProductFamily.objects.get_or_create(
            code=code, defaults={"name": zh, "name_en": en, "technology": tech}
        )[0]
        for code, zh, en, tech in FAMILIES
    }
    for code, fam, zh, en, fmt, area, eff in CELL_PRODUCTS:
        CellProduct.objects.get_or_create(
            code=code,
            defaults={
                "name": zh,
                "name_en": en,
                "family": families[fam],
                "wafer_format": fmt,
                "area_cm2": area,
                "nominal_efficiency_pct": eff,
            },
        )
    for code, zh, en, fmt, doping, thickness in WAFER_PRODUCTS:
        WaferProduct.objects.get_or_create(
            code=code,
            defaults={
                "name": zh,
                "name_en": en,
                "wafer_format": fmt,
                "doping": doping,
                "thickness_um": thickness,
            },
        )
    categories = {
        code: MaterialCategory.objects.get_or_create(
            code=code, defaults={"name": zh, "name_en": en}
        )[0]
        for code, zh, en, _supplier in CATEGORIES
    }
    mats = {
        code: Material.objects.get_or_create(
            code=code,
            defaults={
                "name": zh,
                "name_en": en,
                "category": categories[cat],
                "unit": unit,
                "specification": spec,
            },
        )[0]
        for code, cat, zh, en, unit, spec in MATERIALS
    }
    for code, fam, entry, cells, glass_glass, zh, en in MODULE_SOURCES:
        model, created = ModuleModel.objects.get_or_create(
            code=code,
            defaults={
                "name": zh,
                "name_en": en,
                "family": families[fam],
                **module_values(entry, cells, fam),
            },
        )
        if created:
            _bom(model, fam, glass_glass, mats)
    return {
        "families": len(families),
        "module_models": len(MODULE_SOURCES),
        "materials": len(mats),
    }


def is_glass_glass(model: ModuleModel) -> bool:
    return model.bifaciality_pct is not None


def family_code(model: ModuleModel) -> str:
    return next(fam for code, fam, *_rest in MODULE_SOURCES if code == model.code)


# --- characteristic catalog (pv-reference §1-§3) ----------------------------------------
# code, zh, en, kind, stage, process step, unit, data type, method, special class
# fmt: off
CHARACTERISTICS = [
    ("WAF-THK", "硅片厚度", "Wafer thickness", "product", "wafer", "Wafer sorting", "µm",
     "variable", "Capacitive thickness gauge, wafer sorter (100 %)", "SC"),
    ("WAF-TTV", "总厚度偏差", "Total thickness variation (TTV)", "product", "wafer",
     "Wafer sorting", "µm", "variable", "Wafer sorter, 5-point thickness", ""),
    ("WAF-RES", "电阻率", "Resistivity", "product", "wafer", "Ingot / brick inspection", "Ω·cm",
     "variable", "4-point probe / eddy current, seed-middle-tail of each ingot", "SC"),
    ("WAF-LIFE", "少子寿命", "Minority-carrier lifetime", "product", "wafer",
     "Ingot / brick inspection", "µs", "variable", "QSSPC (Sinton), each ingot", ""),
    ("WAF-OI", "间隙氧含量", "Interstitial oxygen [Oi]", "product", "wafer", "Ingot inspection",
     "ppma", "variable", "FTIR, ASTM F121", ""),
    ("WAF-BOW", "弯曲度", "Wafer bow", "product", "wafer", "Wafer sorting", "µm", "variable",
     "Wafer sorter", ""),
    ("CEL-SHEET-R", "方块电阻", "Emitter sheet resistance", "process", "cell", "Boron diffusion",
     "Ω/□", "variable", "4-point probe mapping, 5 wafers per tube run", "SC"),
    ("CEL-SINX-THK", "氮化硅膜厚", "SiNx thickness", "process", "cell", "PECVD", "nm",
     "variable", "Ellipsometry", ""),
    ("CEL-AG-LAYDOWN", "银浆湿重", "Silver paste laydown", "process", "cell", "Screen printing",
     "mg/cell", "variable", "Weighing before/after print", ""),
    ("CEL-FIRE-PEAK", "烧结峰值温度", "Firing peak temperature", "process", "cell",
     "Firing and LECO", "°C", "variable", "Thermal profiler (DataPaq), each hour", "SC"),
    ("CEL-EFF", "电池转换效率", "Cell efficiency", "product", "cell", "IV and EL sorting", "%",
     "variable", "IV tester, 1-sun flash, STC", "SC"),
    ("CEL-FF", "电池填充因子", "Cell fill factor", "product", "cell", "IV and EL sorting", "%",
     "variable", "IV tester, 1-sun flash, STC", ""),
    ("CEL-IREV", "反向电流", "Reverse current at −12 V", "product", "cell", "IV and EL sorting",
     "A", "variable", "IV tester, reverse bias −12 V", ""),
    ("MOD-LAM-TEMP", "层压温度", "Laminator temperature", "process", "module", "Lamination",
     "°C", "variable", "Platen thermocouples, hourly log", "SC"),
    ("MOD-LAM-TIME", "层压时间", "Lamination cycle time", "process", "module", "Lamination",
     "min", "variable", "Laminator recipe log", ""),
    ("MOD-EVA-GEL", "胶膜交联度", "Encapsulant gel content", "process", "module",
     "Lamination check", "%", "variable", "Xylene extraction, per encapsulant lot and shift",
     "SC"),
    ("MOD-PEEL-GLASS", "玻璃/胶膜剥离强度", "Peel strength glass/encapsulant", "product",
     "module", "Lamination check", "N/cm", "variable", "90° peel, 10 mm strip", ""),
    ("MOD-PMAX", "组件最大功率", "Module Pmax", "product", "module", "IV flash", "W", "variable",
     "Class A+A+A+ sun simulator, IEC 60904-1, corrected to STC (IEC 60891)", "CC"),
    ("MOD-VOC", "组件开路电压", "Module Voc", "product", "module", "IV flash", "V", "variable",
     "Sun simulator, IEC 60904-1", ""),
    ("MOD-ISC", "组件短路电流", "Module Isc", "product", "module", "IV flash", "A", "variable",
     "Sun simulator, IEC 60904-1", ""),
    ("MOD-FF", "组件填充因子", "Module fill factor", "product", "module", "IV flash", "%",
     "variable", "Sun simulator, FF = Pmax / (Voc · Isc)", ""),
    ("MOD-INS", "绝缘电阻", "Insulation resistance × area", "product", "module", "Hi-pot",
     "MΩ·m²", "variable", "IEC 61215 MQT 03 / IEC 61730 MST 16", "CC"),
    ("MOD-HIPOT", "耐压击穿", "Dielectric withstand breakdowns", "product", "module", "Hi-pot",
     "count", "attribute", "1000 V + 2 × Vsys DC for 1 min, no breakdown", "CC"),
    ("MOD-GND", "接地连续性", "Ground continuity", "product", "module", "Hi-pot", "Ω",
     "variable", "IEC 61730 MST 13", "CC"),
    ("MOD-EL-GRADE", "EL 等级", "EL grade (post-lamination)", "product", "module", "EL2",
     "grade", "attribute",
     "EL camera after lamination, graded by defect class (pv-reference §3.3)", "CC"),
    ("MOD-EL-CRKA", "EL 隐裂 (A 类) 片数", "EL micro-cracks (CRK-A) per module", "product",
     "module", "EL2", "cells", "attribute", "EL camera after lamination", ""),
    ("IQC-GLS-THK", "玻璃厚度", "Glass thickness", "product", "module", "IQC glass", "mm",
     "variable", "Micrometer, ISO 2859-1 level II", ""),
    ("IQC-GLS-TRANS", "玻璃透过率", "Glass transmittance (380-1100 nm)", "product", "module",
     "IQC glass", "%", "variable", "Spectrophotometer, per lot", "SC"),
]
# fmt: on

# characteristic, lsl, target, usl, material code or None, reason
# fmt: off
GROUP_SPECS = [
    ("WAF-THK", 117.0, 130.0, 143.0, "WAF-M10-N130", "n-type 130 µm ± 10 %"),
    ("WAF-THK", 135.0, 150.0, 165.0, "WAF-M10-P150", "p-type 150 µm ± 10 %"),
    ("WAF-TTV", None, 10.0, 25.0, None, "modern thin wafers ≤ 25 µm"),
    ("WAF-RES", 0.3, 1.0, 2.0, "WAF-M10-N130", "n-type TOPCon range"),
    ("WAF-LIFE", 300.0, 1000.0, None, "WAF-M10-N130", "n-type bulk lifetime"),
    ("WAF-OI", None, 12.0, 18.0, None, "≤ 18 ppma"),
    ("WAF-BOW", None, 20.0, 50.0, None, "≤ 50 µm"),
    ("CEL-SHEET-R", 100.0, 150.0, 200.0, None, "TOPCon boron emitter"),
    ("CEL-SINX-THK", 75.0, 80.0, 85.0, None, "ARC"),
    ("CEL-AG-LAYDOWN", 80.0, 95.0, 110.0, None, "TOPCon M10 total Ag"),
    ("CEL-FIRE-PEAK", 750.0, 775.0, 800.0, None, "fast firing window"),
    ("CEL-EFF", 24.8, 25.3, None, "CEL-M10-TOPCON", "TOPCon mass production"),
    ("CEL-FF", 82.0, 83.5, None, "CEL-M10-TOPCON", "TOPCon M10"),
    ("CEL-IREV", None, 0.2, 1.0, None, "reverse current at −12 V"),
    ("MOD-LAM-TEMP", 145.0, 150.0, 155.0, None, "145-155 °C"),
    ("MOD-LAM-TIME", 15.0, 17.0, 20.0, None, "15-20 min cycle"),
    ("MOD-EVA-GEL", 75.0, 85.0, 95.0, "ENC-EVA-T", "EVA ≥ 75 %"),
    ("MOD-EVA-GEL", 75.0, 85.0, 95.0, "ENC-EVA-W", "EVA ≥ 75 %"),
    ("MOD-EVA-GEL", 60.0, 72.0, 90.0, "ENC-POE", "POE crosslinks less (≈ 60-70 %)"),
    ("MOD-EVA-GEL", 65.0, 78.0, 92.0, "ENC-EPE", "EPE co-extruded"),
    ("MOD-PEEL-GLASS", 53.0, 75.0, None, None, "glass adhesion ≥ 53 N/cm"),
    ("MOD-FF", 74.0, 79.0, 86.0, None, "module FF"),
    ("MOD-INS", 40.0, None, None, None, "R × A ≥ 40 MΩ·m²"),
    ("MOD-HIPOT", None, 0.0, 0.5, None, "no breakdown"),
    ("MOD-GND", None, 0.02, 0.1, None, "< 0.1 Ω"),
    ("MOD-EL-CRKA", None, 0.0, 2.0, None, "A grade: CRK-A ≤ 2 per module"),
    ("IQC-GLS-THK", 3.0, 3.2, 3.4, "GLS-AR-3.2", "3.2 ± 0.2 mm"),
    ("IQC-GLS-THK", 1.9, 2.0, 2.1, "GLS-AR-2.0", "2.0 ± 0.1 mm"),
    ("IQC-GLS-TRANS", 93.5, 94.0, None, "GLS-AR-3.2", "AR glass ≥ 93.5 %"),
    ("IQC-GLS-TRANS", 93.5, 94.0, None, "GLS-AR-2.0", "AR glass ≥ 93.5 %"),
]
# fmt: on

# characteristic, site, lsl, target, usl, reason
# fmt: off
SITE_SPECS = [
    ("MOD-LAM-TEMP", "ZJ1", 147.0, 150.0, 153.0,
     "ZJ1 laminators (2024 retrofit): tighter window for POE/EPE glass-glass lamination"),
    ("MOD-EVA-GEL", "VN1", 78.0, 85.0, 95.0,
     "VN1: tropical storage of EVA rolls, higher LSL until storage humidity control is proven"),
]
# fmt: on

# characteristic, customer, lsl, target, usl, reason (per-model when characteristic is Pmax)
# fmt: off
CUSTOMER_SPECS = [
    ("MOD-PMAX", "CUS-DE1", 0.0, 2.5, 5.0,
     "Rhein Energie: positive-only tolerance 0/+5 W against nameplate"),
    ("MOD-EL-CRKA", "CUS-DE1", None, 0.0, 0.5,
     "Rhein Energie supply contract: no micro-cracks in EL2 images"),
    ("MOD-INS", "CUS-US1", 100.0, None, None,
     "Desert Sun: 100 MΩ·m² for 1500 V strings in hot-dry climate"),
]
# fmt: on


def _spec(
    char: Characteristic,
    lsl: float | None,
    target: float | None,
    usl: float | None,
    reason: str,
    **scope: Any,
) -> Specification:
    keys = {"module_model": None, "material": None, "site": None, "customer": None, **scope}
    return Specification.objects.get_or_create(
        characteristic=char,
        version=1,
        **keys,
        defaults={"lsl": lsl, "target": target, "usl": usl, "reason": reason},
    )[0]


def seed_catalog(
    sites: dict[str, Site] | None = None, customers: dict[str, Customer] | None = None
) -> dict[str, int]:
    """The characteristic catalog with group, site and customer specifications."""
    chars = {}
    for code, zh, en, kind, stage, step, unit, dtype, method, special in CHARACTERISTICS:
        chars[code] = Characteristic.objects.get_or_create(
            code=code,
            defaults={
                "name": zh,
                "name_en": en,
                "kind": kind,
                "stage": stage,
                "process_step": step,
                "unit": unit,
                "data_type": dtype,
                "method": method,
                "special_class": special,
            },
        )[0]
    mats = {m.code: m for m in Material.objects.all()}
    specs = 0
    for code, lsl, target, usl, material, reason in GROUP_SPECS:
        scope = {"material": mats[material]} if material else {}
        _spec(chars[code], lsl, target, usl, reason, **scope)
        specs += 1
    models = list(ModuleModel.objects.order_by("code"))
    for model in models:
        p = model.pmax_w
        # group: historical ±3 % tolerance; Voc/Isc ±3 % of the datasheet (§3.2)
        _spec(
            chars["MOD-PMAX"],
            round(p * 0.97, 2),
            round(p, 2),
            round(p * 1.03, 2),
            "nameplate −3 % / +3 %",
            module_model=model,
        )
        _spec(
            chars["MOD-VOC"],
            round(model.voc_v * 0.97, 3),
            model.voc_v,
            round(model.voc_v * 1.03, 3),
            "datasheet ± 3 %",
            module_model=model,
        )
        _spec(
            chars["MOD-ISC"],
            round(model.isc_a * 0.97, 3),
            model.isc_a,
            round(model.isc_a * 1.03, 3),
            "datasheet ± 3 %",
            module_model=model,
        )
        specs += 3
    sites = sites if sites is not None else {s.code: s for s in Site.objects.all()}
    customers = customers if customers is not None else {c.code: c for c in Customer.objects.all()}
    for code, site_code, lsl, target, usl, reason in SITE_SPECS:
        if site_code in sites:
            scope = {"material": mats["ENC-EVA-T"]} if code == "MOD-EVA-GEL" else {}
            _spec(chars[code], lsl, target, usl, reason, site=sites[site_code], **scope)
            specs += 1
    for code, customer_code, lsl, target, usl, reason in CUSTOMER_SPECS:
        customer = customers.get(customer_code)
        if customer is None:
            continue
        if code == "MOD-PMAX":
            for model in models:
                if family_code(model) == "TOPCON":
                    p = model.pmax_w
                    _spec(
                        chars[code],
                        round(p + lsl, 2),
                        round(p + target, 2),
                        round(p + usl, 2),
                        reason,
                        module_model=model,
                        customer=customer,
                    )
                    specs += 1
        else:
            _spec(chars[code], lsl, target, usl, reason, customer=customer)
            specs += 1
    return {"characteristics": len(chars), "specifications": specs}


def seed_all(
    sites: dict[str, Site] | None = None, customers: dict[str, Customer] | None = None
) -> dict[str, int]:
    """Master data and the catalog; safe to run again."""
    counts = seed_master()
    counts.update(seed_catalog(sites, customers))
    return counts
