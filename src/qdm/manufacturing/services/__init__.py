"""Services of the manufacturing quality platform.

``on_measurements_ingested(site, line_ids, characteristic_ids)`` is the hook the ingestion
path calls after a batch of measurements has been stored: it evaluates every active SPC
chart of those lines and characteristics (see :mod:`qdm.manufacturing.services.spc`).
"""

from qdm.manufacturing.services.spc import evaluate_new_points, on_measurements_ingested

__all__ = ["evaluate_new_points", "on_measurements_ingested"]
