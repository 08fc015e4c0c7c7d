"""Reading flow logs: files, directories, S3 layouts, Parquet, CloudWatch.

Examples
--------
>>> import flownb.io
>>> df = flownb.io.read_flow_logs(flownb.samples.path("aws-docs/default-accept-reject"))
>>> df[["srcaddr", "dstport", "action"]].values.tolist()
[['172.31.16.139', 22, 'ACCEPT'], ['172.31.9.69', 3389, 'REJECT']]
"""

from typing import Any

from ._errors import FlowLogParseError, FlowLogParseWarning, FlowLogSkipWarning, FlowLogSourceError
from ._read import read_flow_logs

__all__ = [
    "FlowLogParseError",
    "FlowLogParseWarning",
    "FlowLogSkipWarning",
    "FlowLogSourceError",
    "read_flow_logs",
    "write_parquet",
]


def __getattr__(name: str) -> Any:
    # write_parquet (the VPC twin's Parquet writer) needs pyarrow.parquet: imported on first use
    if name == "write_parquet":
        from ._parquet import write_parquet

        return write_parquet
    raise AttributeError(f"module 'flownb.io' has no attribute {name!r}")
