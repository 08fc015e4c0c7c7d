"""How findings word numbers: protocol names, durations, sizes."""

from __future__ import annotations

_PROTO_NAMES = {1: "ICMP", 6: "TCP", 17: "UDP", 47: "GRE", 50: "ESP", 58: "ICMPv6", 132: "SCTP"}


def _proto_name(p: int) -> str:
    return _PROTO_NAMES.get(int(p), f"protocol {int(p)}") if p >= 0 else "any protocol"


def _dur(seconds: float) -> str:
    seconds = float(seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _size(n: float) -> str:
    if n < 1e3:
        return f"{n:.0f} B"
    if n < 1e6:
        return f"{n / 1e3:.1f} KB"
    if n < 1e9:
        return f"{n / 1e6:.1f} MB"
    if n < 1e12:
        return f"{n / 1e9:.1f} GB"
    return f"{n / 1e12:.1f} TB"
