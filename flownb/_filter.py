"""What a filter selects (:class:`FilterState`) and how records are filtered by it.

The records layer's one notion of a filter: pure pandas/numpy, no ipywidgets, so
the widgets' panel, a script, a test and :meth:`flownb.FlowDataset.filter` (which
compiles the same fields for an engine) filter exactly alike. Public as
``flownb.FilterState``, ``flownb.apply_filters`` and, as before, from
``flownb.widgets``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from . import _scope
from ._cache import NAT, ColumnCache
from ._columns import require_columns
from ._durations import utc_timestamp
from ._protocols import PROTOCOLS, protocol_number

#: Lower-case names of the protocols people filter by, as the panel writes them (from flownb._protocols).
PROTOCOL_NAMES = {p: name.lower() for p, name in PROTOCOLS.items()}
Network = _scope.Network

__all__ = [
    "PROTOCOL_NAMES",
    "FilterState",
    "apply_filters",
    "filter_mask",
    "parse_network",
    "parse_port",
    "parse_protocol",
]


def _tuple(value: Any) -> tuple:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, Iterable):
        return tuple(value)
    return (value,)


def parse_protocol(value: Any) -> int:
    """6, '6', 'tcp', 'TCP' or 'ipv6-icmp' -> the IANA number (:func:`flownb._protocols.protocol_number`).

    Examples
    --------
    >>> parse_protocol("udp"), parse_protocol("6"), parse_protocol("ipv6-icmp")
    (17, 6, 58)
    """
    return protocol_number(value, name="protocols")


def parse_port(value: Any) -> int:
    text = str(value).strip()
    if text.isdigit() and 0 <= int(text) <= 65535:
        return int(text)
    raise ValueError(f"ports must be whole numbers from 0 to 65535, got {value!r}")


def parse_network(value: Any, name: str) -> Network | None:
    """An IP address or CIDR block as a network ('10.0.1.5' -> 10.0.1.5/32); None for empty."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(
            f"'{name}' must be an IP address ('10.0.1.5') or a CIDR block ('10.0.1.0/24'), got {value!r}"
        ) from None


@dataclass(frozen=True)
class FilterState:
    """What to keep: a time range, actions, protocols, ports, source and destination, ENIs, direction.

    Empty fields keep everything. Values are checked and normalised when the state
    is made: times become UTC timestamps, protocol names numbers, addresses
    networks written as text; bad values raise a ``ValueError`` saying what is
    expected.

    Parameters
    ----------
    start, end : str or Timestamp, optional
        Keep records whose window overlaps [start, end) (UTC when no zone is given).
    actions : tuple of str
        ``("REJECT",)``, ``("ACCEPT",)``.
    protocols : tuple of int or str
        Numbers or names: ``(6, "udp")``.
    ports : tuple of int
        Source or destination port.
    src, dst : str, optional
        An IP address or a CIDR block.
    interfaces : tuple of str
        ENI ids.
    direction : {"ingress", "egress"}, optional
        The ``flow-direction`` field (version 5 formats).

    Examples
    --------
    >>> from flownb import FilterState
    >>> FilterState(actions="REJECT", protocols=["tcp"], src="10.0.1.0/24")
    FilterState(actions=('REJECT',), protocols=(6,), src='10.0.1.0/24')
    >>> FilterState(src="10.0.1.300")
    Traceback (most recent call last):
    ...
    ValueError: 'src' must be an IP address ('10.0.1.5') or a CIDR block ('10.0.1.0/24'), got '10.0.1.300'
    """

    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    actions: tuple[str, ...] = ()
    protocols: tuple[int, ...] = ()
    ports: tuple[int, ...] = ()
    src: str | None = None
    dst: str | None = None
    interfaces: tuple[str, ...] = ()
    direction: Literal["ingress", "egress"] | None = None
    _nets: dict = field(default_factory=dict, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        put = object.__setattr__
        start, end = utc_timestamp(self.start, "start"), utc_timestamp(self.end, "end")
        if start is not None and end is not None and end <= start:
            raise ValueError(f"'end' ({end}) must be after 'start' ({start})")
        put(self, "start", start)
        put(self, "end", end)
        actions = tuple(str(a).strip().upper() for a in _tuple(self.actions))
        bad = [a for a in actions if a not in ("ACCEPT", "REJECT")]
        if bad:
            raise ValueError(f"'actions' must be among ['ACCEPT', 'REJECT'], got {bad[0]!r}")
        put(self, "actions", tuple(dict.fromkeys(actions)))
        put(self, "protocols", tuple(dict.fromkeys(parse_protocol(p) for p in _tuple(self.protocols))))
        put(self, "ports", tuple(dict.fromkeys(parse_port(p) for p in _tuple(self.ports))))
        for name in ("src", "dst"):
            net = parse_network(getattr(self, name), name)
            self._nets[name] = net
            text = None if net is None else (str(net.network_address) if net.num_addresses == 1 else str(net))
            put(self, name, text)
        enis = tuple(str(e).strip() for e in _tuple(self.interfaces))
        put(self, "interfaces", tuple(dict.fromkeys(e for e in enis if e)))
        direction = None if self.direction in (None, "", "all") else str(self.direction).strip().lower()
        if direction not in (None, "ingress", "egress"):
            raise ValueError(f"'direction' must be 'ingress', 'egress' or None, got {self.direction!r}")
        put(self, "direction", direction)

    def __repr__(self) -> str:
        parts = [
            f"{f.name}={getattr(self, f.name)!r}"
            for f in dataclasses.fields(self)
            if f.repr and getattr(self, f.name) not in (None, ())
        ]
        return f"FilterState({', '.join(parts)})"

    @property
    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return self == FilterState()

    def replace(self, **changes: Any) -> FilterState:
        """A copy with some fields changed (the state itself never changes)."""
        return dataclasses.replace(self, **changes)

    def describe(self) -> str:
        """The filters in words ('REJECT, tcp, port 22, from 10.0.1.0/24').

        Examples
        --------
        >>> FilterState(actions=("REJECT",), ports=(22,)).describe()
        'REJECT, port 22'
        """
        words = []
        if self.start is not None or self.end is not None:
            a = "…" if self.start is None else self.start.strftime("%Y-%m-%d %H:%M")
            b = "…" if self.end is None else self.end.strftime("%Y-%m-%d %H:%M")
            words.append(f"{a} to {b} UTC")
        words += list(self.actions)
        words += [PROTOCOL_NAMES.get(p, f"protocol {p}") for p in self.protocols]
        if self.ports:
            words.append(("port " if len(self.ports) == 1 else "ports ") + ", ".join(map(str, self.ports)))
        if self.src:
            words.append(f"from {self.src}")
        if self.dst:
            words.append(f"to {self.dst}")
        if self.interfaces:
            words.append("ENI " + ", ".join(self.interfaces))
        if self.direction:
            words.append(self.direction)
        return ", ".join(words) if words else "no filter"


# ---------------------------------------------------------------------------------- filtering
def _in_network(rec: ColumnCache, col: str, net: Network) -> np.ndarray:
    """Per record: is the address in ``net`` (decided once per distinct address, :mod:`flownb._scope`)."""
    c, values = rec.codes(col)
    table = rec._full(
        ("in", col, str(net)),
        lambda: _scope.in_networks(
            cast(Sequence[object], np.asarray(values.astype(str), dtype=object)), [net]
        ),
    )
    return rec._full(("in flags", col, str(net)), lambda: np.append(table, False))[
        c
    ]  # c == -1: the last, False


def _in_values(rec: ColumnCache, col: str, wanted: Iterable[str]) -> np.ndarray:
    """Per record: is the text of ``col`` one of ``wanted``? Decided once per distinct value (the
    column's codes), then one lookup per record in a table of flags (no string, no sort per record)."""
    c, values = rec.codes(col)
    table = np.append(np.isin(np.asarray(values.astype(str)), list(wanted)), False)  # last: missing (-1)
    return table[c]


def _in_ints(rec: ColumnCache, col: str, wanted: Iterable[int], size: int) -> np.ndarray:
    """Per record: is the integer column ``col`` (values 0 to ``size - 1``, -1 missing) one of ``wanted``?

    One lookup in a table of ``size`` flags instead of ``np.isin`` (a sort or a hash per call); a column
    holding values outside the range (checked once per frame) falls back to ``np.isin``.
    """
    values = rec.ints(col)
    in_range = rec._full(
        ("in range", col, size),
        lambda: bool(len(values) == 0 or (values.min() >= -1 and values.max() < size)),
    )
    want = [int(v) for v in wanted]
    if not in_range or any(not 0 <= v < size for v in want):
        return np.isin(values, want)
    table = np.zeros(size + 1, dtype=bool)  # the extra last flag: -1 (missing) is never wanted
    table[want] = True
    return table[values]


def _require(df: Any, col: str, what: str) -> None:
    require_columns(df, [col], f"filtering by {what}")


def filter_mask(df: pd.DataFrame | ColumnCache, state: FilterState) -> np.ndarray | None:
    """Boolean mask of the records ``state`` keeps (None when it keeps all of them).

    Works on the full frame's cached column arrays (:class:`~flownb._cache.ColumnCache`),
    so repeated filtering of the same frame does not convert columns again.
    """
    if not isinstance(state, FilterState):
        raise TypeError(f"'state' must be a FilterState, got {type(state).__name__}")
    rec = ColumnCache.of(df)
    if rec.rows is not None:
        rec = ColumnCache(rec.df, None, rec._base)
    n = len(rec.df)
    mask: np.ndarray | None = None

    def both(m: np.ndarray) -> None:
        nonlocal mask
        mask = m if mask is None else (mask & m)

    if state.start is not None or state.end is not None:
        _require(rec, "start", "time")
        st = rec.seconds("start")
        if "end" in rec.columns:  # a record without an end ends at its start (made once per frame)
            end = rec.seconds("end")
            en = rec._full(("end or start",), lambda: np.where(end == NAT, st, end))
        else:
            en = st
        m = st != NAT
        if state.start is not None:
            m &= en >= int(state.start.timestamp())
        if state.end is not None:
            m &= st < int(state.end.timestamp())
        both(m)
    if state.actions:
        _require(rec, "action", "action")
        both(_in_values(rec, "action", state.actions))
    if state.protocols:
        _require(rec, "protocol", "protocol")
        both(_in_ints(rec, "protocol", state.protocols, 256))
    if state.ports:
        if "srcport" not in rec.columns and "dstport" not in rec.columns:
            require_columns(rec, ["srcport", "dstport"], "filtering by port")
        ports = list(state.ports)
        m = np.zeros(n, dtype=bool)
        for col in ("srcport", "dstport"):
            if col in rec.columns:
                m |= _in_ints(rec, col, ports, 65536)
        both(m)
    for name, col in (("src", "srcaddr"), ("dst", "dstaddr")):
        net = state._nets.get(name) or parse_network(getattr(state, name), name)
        if net is not None:
            _require(rec, col, f"'{name}'")
            both(_in_network(rec, col, net))
    if state.interfaces:
        _require(rec, "interface_id", "ENI")
        both(_in_values(rec, "interface_id", state.interfaces))
    if state.direction:
        _require(rec, "flow_direction", "direction")
        both(_in_values(rec, "flow_direction", [state.direction]))
    return mask


def apply_filters(df: pd.DataFrame, state: FilterState) -> pd.DataFrame:
    """The records ``state`` keeps (a new frame; ``df`` is not changed).

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    state : FilterState

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> import flownb
    >>> from flownb import FilterState, apply_filters
    >>> df = flownb.samples.load("aws-docs/default-accept-reject")
    >>> apply_filters(df, FilterState(actions=("REJECT",)))[["srcaddr", "dstport", "action"]]
           srcaddr  dstport  action
    1  172.31.9.69     3389  REJECT
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"'df' must be a pandas DataFrame of flow log records, got {type(df).__name__}")
    mask = filter_mask(df, state)
    return df.copy(deep=False) if mask is None else df[mask]
