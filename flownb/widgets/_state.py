"""The filter the widgets edit: :class:`FilterState` and :func:`apply_filters`, from :mod:`flownb._filter`.

They live in the records layer (``flownb._filter``) so that ``FlowDataset.filter``
and the analyses use them without importing the widgets; this module keeps the
names the widgets and users have always imported from here.
"""

from __future__ import annotations

from .._filter import (
    PROTOCOL_NAMES,
    FilterState,
    Network,
    apply_filters,
    filter_mask,
    parse_network,
    parse_port,
    parse_protocol,
)

__all__ = [
    "PROTOCOL_NAMES",
    "FilterState",
    "Network",
    "apply_filters",
    "filter_mask",
    "parse_network",
    "parse_port",
    "parse_protocol",
]
