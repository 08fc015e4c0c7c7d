"""How findings name protocols (durations and sizes are worded by ``flownb._units``)."""

from __future__ import annotations

from flownb._protocols import PROTOCOLS


def _proto_name(p: int) -> str:
    """'TCP', 'GRE', 'protocol 253', or 'any protocol' for -1 (a finding over several protocols)."""
    if p < 0:
        return "any protocol"
    return PROTOCOLS.get(int(p), f"protocol {int(p)}")
