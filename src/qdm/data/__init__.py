"""Quality data platform (platform 7.1):
Master data, characteristic catalog, measurements, ingestion, genealogy and traceability.
"""
