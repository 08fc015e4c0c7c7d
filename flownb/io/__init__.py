"""Reading flow logs: files, directories, S3 layouts, Parquet, CloudWatch."""

from ._errors import FlowLogParseError, FlowLogParseWarning, FlowLogSkipWarning, FlowLogSourceError
from .read import read_flow_logs

__all__ = [
    "FlowLogParseError",
    "FlowLogParseWarning",
    "FlowLogSkipWarning",
    "FlowLogSourceError",
    "read_flow_logs",
]
