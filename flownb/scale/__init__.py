"""flownb beyond memory: a Parquet store, a lazy dataset on an embedded engine, Athena DDL.

``import flownb`` does not load this package; its names are re-exported lazily
(``flownb.ingest``, ``flownb.open_dataset``, ``flownb.athena_ddl``). DuckDB and
Ibis are the optional extra ``scale`` (the README's extras table); :func:`ingest`
needs neither (it writes Parquet with pyarrow). See ``docs/scale.md``.

Examples
--------
A Parquet store of the bundled samples, and the lazy dataset over it (DuckDB: the ``scale`` extra):

>>> import tempfile
>>> import flownb
>>> store = tempfile.mkdtemp() + "/store"
>>> flownb.ingest(flownb.samples.path("aws-docs"), store).records
27
>>> ds = flownb.open_dataset(store)
>>> ds.count()
27
"""

from __future__ import annotations

from ._athena import ScanEstimate, athena_ddl, athena_sql, scan_estimate
from ._ingest import IngestReport, ingest

__all__ = [
    "FlowDataset",
    "IngestReport",
    "ScanEstimate",
    "athena_ddl",
    "athena_sql",
    "ingest",
    "open_dataset",
    "scan_estimate",
]


def __getattr__(name: str):  # the dataset needs Ibis and DuckDB: loaded when first used
    if name in ("FlowDataset", "open_dataset"):
        from . import _dataset

        return getattr(_dataset, name)
    raise AttributeError(f"module 'flownb.scale' has no attribute '{name}'")
