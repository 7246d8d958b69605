"""Choices of the quality data platform."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Technology(models.TextChoices):
    PERC = "perc", "PERC"
    TOPCON = "topcon", "TOPCon"
    HJT = "hjt", "HJT"
    BC = "bc", _("Back contact (BC)")


class CharacteristicKind(models.TextChoices):
    PRODUCT = "product", _("Product characteristic")
    PROCESS = "process", _("Process characteristic")


class SpecialClass(models.TextChoices):
    NONE = "", _("None")
    CC = "CC", _("Critical characteristic (CC)")
    SC = "SC", _("Significant characteristic (SC)")


class DataType(models.TextChoices):
    VARIABLE = "variable", _("Variable (measured)")
    ATTRIBUTE = "attribute", _("Attribute (pass/fail, count)")


class SpecLevel(models.TextChoices):
    GROUP = "group", _("Group")
    SITE = "site", _("Site override")
    CUSTOMER = "customer", _("Customer requirement")


class UnitKind(models.TextChoices):
    POLY_LOT = "poly_lot", _("Polysilicon lot")
    INGOT = "ingot", _("Ingot")
    WAFER_LOT = "wafer_lot", _("Wafer lot")
    CELL_LOT = "cell_lot", _("Cell lot")
    MATERIAL_LOT = "material_lot", _("Material lot")
    MODULE = "module", _("Module")
    PALLET = "pallet", _("Pallet")
    SHIPMENT = "shipment", _("Shipment")


class ElStage(models.TextChoices):
    EL1 = "EL1", _("EL1 (before lamination)")
    EL2 = "EL2", _("EL2 (after lamination)")


class ElGrade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class FeedKind(models.TextChoices):
    FLASH = "flash", _("Flash test")
    EL = "el", _("EL result")
    CELLS = "cells", _("Cell sorter")
    MEASUREMENTS = "measurements", _("Measurements")


class BatchStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected (strict)")
    FAILED = "failed", _("File unreadable")
