"""Reading flow logs: files, directories, S3 layouts, Parquet, CloudWatch."""

from ._errors import FlowLogParseError, FlowLogParseWarning, FlowLogSourceError
from .read import read_flow_logs

__all__ = ["FlowLogParseError", "FlowLogParseWarning", "FlowLogSourceError", "read_flow_logs"]
