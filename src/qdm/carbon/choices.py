"""Choices of the carbon management platform."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LibraryKind(models.TextChoices):
    GROUP = "group", _("Group's own library")
    REGULATOR = "regulator", _("Regulator's table")
    PUBLISHED = "published", _("Published database")


class FactorCategory(models.TextChoices):
    ELECTRICITY = "electricity", _("Electricity")
    FUEL = "fuel", _("Fuel")
    PROCESS_GAS = "process_gas", _("Process gas")
    MATERIAL = "material", _("Material")
    PROCESS = "process", _("Process")
    TRANSPORT = "transport", _("Transport")


class Gas(models.TextChoices):
    CO2E = "CO2e", _("CO₂e (all greenhouse gases)")
    CO2 = "CO2", _("CO₂ only")


class Boundary(models.TextChoices):
    LIFE_CYCLE = "life-cycle", _("Life-cycle (upstream included)")
    COMBUSTION = "combustion", _("Combustion (direct only)")


class GwpSet(models.TextChoices):
    NONE = "", _("None (CO₂ only)")
    AR5 = "AR5", _("IPCC AR5 GWP100")
    AR6 = "AR6", _("IPCC AR6 GWP100")


class Accounting(models.TextChoices):
    NONE = "", _("Not electricity")
    LOCATION = "location", _("Location-based")
    MARKET = "market", _("Market-based")


class ActivityKind(models.TextChoices):
    GRID = "grid", _("Grid electricity")
    ONSITE_RENEWABLE = "onsite_renewable", _("On-site renewable electricity")
    CERTIFICATES = "certificates", _("Renewable electricity certificates")
    FUEL = "fuel", _("Fuel")
    PROCESS_GAS = "process_gas", _("Process gas")


class FootprintMethod(models.TextChoices):
    ISO14067 = "iso14067", _("ISO 14067 cradle-to-gate (process chain)")
    ECS = "ecs", _("French simplified carbon evaluation (ECS)")


class DataQuality(models.TextChoices):
    PRIMARY = "primary", _("Primary (supplier-specific, verified)")
    MIXED = "mixed", _("Mixed (primary and secondary)")
    SECONDARY = "secondary", _("Secondary (library averages)")
