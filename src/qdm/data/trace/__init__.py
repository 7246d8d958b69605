"""Traceability both ways: backward from a module to every lot it was made from, forward
from any lot to every module, pallet, shipment and customer it reached (docs/traceability.md).
"""
