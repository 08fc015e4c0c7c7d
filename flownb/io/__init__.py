"""Reading flow logs: files, directories, S3 layouts, Parquet, CloudWatch.

Examples
--------
>>> import flownb.io
>>> df = flownb.io.read_flow_logs(flownb.samples.path("aws-docs/default-accept-reject"))
>>> df[["srcaddr", "dstport", "action"]].values.tolist()
[['172.31.16.139', 22, 'ACCEPT'], ['172.31.9.69', 3389, 'REJECT']]
"""

from ._errors import FlowLogParseError, FlowLogParseWarning, FlowLogSkipWarning, FlowLogSourceError
from .read import read_flow_logs

__all__ = [
    "FlowLogParseError",
    "FlowLogParseWarning",
    "FlowLogSkipWarning",
    "FlowLogSourceError",
    "read_flow_logs",
]
