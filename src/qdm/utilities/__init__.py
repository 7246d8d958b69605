"""Shared helpers with no models: XLSX writing, HTMX and formatting helpers."""
