"""flownb beyond memory: a Parquet store, a lazy dataset on an embedded engine, Athena DDL.

``import flownb`` does not load this package; its names are re-exported lazily
(``flownb.ingest``, ``flownb.open_dataset``, ``flownb.athena_ddl``). DuckDB and
Ibis are the optional extra ``pip install 'flownb[scale]'``; :func:`ingest`
needs neither (it writes Parquet with pyarrow). See ``docs/scale.md``.
"""

from __future__ import annotations

from ._ingest import IngestReport, ingest

__all__ = ["IngestReport", "ingest"]
