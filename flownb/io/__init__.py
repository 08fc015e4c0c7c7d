"""Reading flow logs: files, directories, S3 layouts, Parquet, CloudWatch."""

from . import exports as _exports  # noqa: F401  (registers the CloudWatch content readers)
from ._errors import FlowLogParseError, FlowLogParseWarning, FlowLogSourceError
from .read import read_flow_logs

__all__ = ["FlowLogParseError", "FlowLogParseWarning", "FlowLogSourceError", "read_flow_logs"]
