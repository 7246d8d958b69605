"""The registry of management-system standards the group is certified to, with their clause
numbers and short titles of our own wording (never the text of a standard: that is
copyrighted and bought from ISO / IEC; the titles here are reminders for the matrix).

``load_catalog(ManagementSystem, Clause)`` writes it idempotently; it takes the model classes
so that the data migration can pass its historical models.
"""

from __future__ import annotations

from typing import Any

#: Annex SL ("harmonized structure") clauses shared by ISO 14001, 45001 and 50001
_HS_4_5 = [
    ("4.1", "Organisation and its context"),
    ("4.2", "Interested parties"),
    ("4.3", "Scope of the system"),
    ("4.4", "The management system"),
    ("5.1", "Leadership and commitment"),
    ("5.2", "Policy"),
    ("5.3", "Roles and authorities"),
]
_HS_7 = [
    ("7.1", "Resources"),
    ("7.2", "Competence"),
    ("7.3", "Awareness"),
    ("7.4", "Communication"),
    ("7.5", "Documented information"),
]
_HS_9 = [
    ("9.1", "Monitoring and evaluation"),
    ("9.2", "Internal audit"),
    ("9.3", "Management review"),
]

# code, standard reference, short name (en), short name (zh), clauses
CATALOG: list[tuple[str, str, str, str, list[tuple[str, str]]]] = [
    (
        "ISO9001",
        "ISO 9001:2015",
        "Quality management",
        "质量管理体系",
        [
            *_HS_4_5,
            ("6.1", "Risks and opportunities"),
            ("6.2", "Quality objectives"),
            ("6.3", "Planning of changes"),
            *_HS_7,
            ("8.1", "Operational planning"),
            ("8.2", "Customer requirements"),
            ("8.3", "Design and development"),
            ("8.4", "Externally provided products"),
            ("8.5", "Production and service"),
            ("8.6", "Release of products"),
            ("8.7", "Nonconforming outputs"),
            *_HS_9,
            ("10.1", "Improvement"),
            ("10.2", "Nonconformity and corrective action"),
            ("10.3", "Continual improvement"),
        ],
    ),
    (
        "ISO14001",
        "ISO 14001:2015",
        "Environmental management",
        "环境管理体系",
        [
            *_HS_4_5,
            ("6.1", "Aspects, obligations, risks"),
            ("6.2", "Environmental objectives"),
            *_HS_7,
            ("8.1", "Operational control"),
            ("8.2", "Emergency preparedness"),
            *_HS_9,
            ("10.1", "Improvement"),
            ("10.2", "Nonconformity and corrective action"),
            ("10.3", "Continual improvement"),
        ],
    ),
    (
        "ISO45001",
        "ISO 45001:2018",
        "Occupational health and safety",
        "职业健康安全管理体系",
        [
            *_HS_4_5,
            ("5.4", "Worker consultation"),
            ("6.1", "Hazards, risks, obligations"),
            ("6.2", "OH&S objectives"),
            *_HS_7,
            ("8.1", "Operational control"),
            ("8.2", "Emergency preparedness"),
            *_HS_9,
            ("10.1", "Improvement"),
            ("10.2", "Incidents and corrective action"),
            ("10.3", "Continual improvement"),
        ],
    ),
    (
        "ISO50001",
        "ISO 50001:2018",
        "Energy management",
        "能源管理体系",
        [
            *_HS_4_5,
            ("6.1", "Risks and opportunities"),
            ("6.2", "Energy objectives and targets"),
            ("6.3", "Energy review"),
            ("6.4", "Energy performance indicators"),
            ("6.5", "Energy baseline"),
            ("6.6", "Energy data collection plan"),
            *_HS_7,
            ("8.1", "Operational control"),
            ("8.2", "Design"),
            ("8.3", "Procurement"),
            *_HS_9,
            ("10.1", "Nonconformity and corrective action"),
            ("10.2", "Continual improvement"),
        ],
    ),
    (
        "IEC62941",
        "IEC 62941:2019",
        "PV module manufacturing quality",
        "光伏组件制造质量体系",
        # IEC 62941 adds PV-specific requirements to an ISO 9001 system; we map at the
        # level of its main sections (check the numbering against the purchased copy)
        [
            ("4", "Quality system context"),
            ("5", "Leadership"),
            ("6", "Planning"),
            ("7", "Support"),
            ("8", "Operation: design, materials, production"),
            ("9", "Performance evaluation"),
            ("10", "Improvement"),
        ],
    ),
    (
        "ISO17025",
        "ISO/IEC 17025:2017",
        "Testing and calibration laboratories",
        "检测和校准实验室能力",
        [
            ("4.1", "Impartiality"),
            ("4.2", "Confidentiality"),
            ("5", "Structure"),
            ("6.1", "Resources: general"),
            ("6.2", "Personnel"),
            ("6.3", "Facilities and environment"),
            ("6.4", "Equipment"),
            ("6.5", "Metrological traceability"),
            ("6.6", "External products and services"),
            ("7.1", "Requests, tenders, contracts"),
            ("7.2", "Methods and validation"),
            ("7.3", "Sampling"),
            ("7.4", "Handling of test items"),
            ("7.5", "Technical records"),
            ("7.6", "Measurement uncertainty"),
            ("7.7", "Validity of results"),
            ("7.8", "Reporting of results"),
            ("7.9", "Complaints"),
            ("7.10", "Nonconforming work"),
            ("7.11", "Data and information"),
            ("8.1", "Management system options"),
            ("8.2", "System documentation"),
            ("8.3", "Control of documents"),
            ("8.4", "Control of records"),
            ("8.5", "Risks and opportunities"),
            ("8.6", "Improvement"),
            ("8.7", "Corrective action"),
            ("8.8", "Internal audits"),
            ("8.9", "Management reviews"),
        ],
    ),
    (
        "ISO14064-1",
        "ISO 14064-1:2018",
        "Organisational GHG inventory",
        "组织温室气体核算",
        [
            ("5", "Inventory boundaries"),
            ("6", "Quantification of emissions and removals"),
            ("7", "Mitigation activities"),
            ("8", "Inventory quality management"),
            ("9", "Reporting"),
            ("10", "Role in verification"),
        ],
    ),
]


def clause_sort_key(number: str) -> tuple[int, ...]:
    """``"10.2"`` after ``"9.3"``: compare clause numbers part by part, as numbers."""
    parts = []
    for part in number.split("."):
        parts.append(int(part) if part.isdigit() else 0)
    return tuple(parts)


def load_catalog(system_model: Any, clause_model: Any) -> tuple[int, int]:
    """Create or update every system and clause of ``CATALOG``; returns (systems, clauses)
    created. Existing rows keep their primary keys (mappings point at them)."""
    systems = clauses = 0
    for code, standard, name_en, name_zh, rows in CATALOG:
        system, created = system_model.objects.update_or_create(
            code=code, defaults={"standard": standard, "name": name_zh, "name_en": name_en}
        )
        systems += int(created)
        for position, (number, title) in enumerate(rows, start=1):
            _clause, created = clause_model.objects.update_or_create(
                system=system, number=number, defaults={"title": title, "position": position}
            )
            clauses += int(created)
    return systems, clauses
