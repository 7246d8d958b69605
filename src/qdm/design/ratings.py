"""Short guides to the AIAG-VDA severity, occurrence and detection ratings, shown as help on
the FMEA item form and page. Paraphrased in a few words per band; the handbook's full
tables (with their examples) are not reproduced."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

SEVERITY: tuple[tuple[str, Any], ...] = (
    ("10", _("Affects the safety or health of people (installers, operators, the public)")),
    ("9", _("Noncompliance with regulations or certification (e.g. IEC 61730 safety)")),
    ("7–8", _("Loss or degradation of a primary function")),
    ("4–6", _("Loss or degradation of a secondary function, or annoyance")),
    ("2–3", _("Minor effect (appearance, noise) noticed by some")),
    ("1", _("No discernible effect")),
)

OCCURRENCE: tuple[tuple[str, Any], ...] = (
    ("10", _("Extremely high: no prevention control, new technology")),
    ("8–9", _("Very high: prevention controls hardly effective")),
    ("6–7", _("High: prevention controls somewhat effective")),
    ("4–5", _("Moderate: prevention controls effective")),
    ("2–3", _("Low: best practice, proven controls")),
    ("1", _("Extremely low: failure eliminated by design or process")),
)

DETECTION: tuple[tuple[str, Any], ...] = (
    ("9–10", _("No test or method, or not likely to detect")),
    ("7–8", _("Unproven or manual method, low ability to detect")),
    ("5–6", _("Proven method, moderate ability to detect")),
    ("2–4", _("Proven, automated or 100 % method, high ability to detect")),
    ("1", _("Failure cannot occur or is always detected")),
)

RATING_TABLES: dict[str, tuple[Any, tuple[tuple[str, Any], ...]]] = {
    "severity": (_("Severity (S)"), SEVERITY),
    "occurrence": (_("Occurrence (O)"), OCCURRENCE),
    "detection": (_("Detection (D)"), DETECTION),
}


def help_text(kind: str) -> str:
    """One line per band, for a form field's help text."""
    return "; ".join(f"{band}: {text}" for band, text in RATING_TABLES[kind][1])
