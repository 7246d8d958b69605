"""Bulk ingestion of test data (flash tests, EL results, cell sorter results and generic
measurements) from CSV and XLSX files written by testers, MES and LIMS.

* :mod:`.profiles` — the canonical columns of every kind and the vendor column profiles;
* :mod:`.readers` — streaming CSV (UTF-8 or GB18030) and XLSX readers;
* :mod:`.validate` — chunk-wise, numpy-vectorised row validation with stable error codes;
* :mod:`.writer` — the bulk ``INSERT … ON CONFLICT DO NOTHING`` path;
* :mod:`.service` — :func:`~qdm.data.ingest.service.ingest_file`, the one entry point used by
  the ``qdm ingest`` command, ``POST /api/v1/data/ingest/`` and the upload page.

See ``docs/data-ingestion.md``.
"""
