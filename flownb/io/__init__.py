"""Reading flow logs: files, directories, S3 layouts, Parquet, CloudWatch."""

from . import _sniff  # noqa: F401  (registers the binary-content reader, after the others)
from . import exports as _exports  # noqa: F401  (registers the CloudWatch content readers)
from ._errors import FlowLogParseError, FlowLogParseWarning, FlowLogSkipWarning, FlowLogSourceError
from .read import read_flow_logs

__all__ = [
    "FlowLogParseError",
    "FlowLogParseWarning",
    "FlowLogSkipWarning",
    "FlowLogSourceError",
    "read_flow_logs",
]
