"""FilterPanel: controls that edit a :class:`FilterState`, with validation and a reset button."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .._cache import epoch_seconds as seconds
from ..charts._common import pick_freq
from ._base import message_html, widgets
from ._state import PROTOCOL_NAMES, FilterState, parse_network, parse_port, parse_protocol

ALL = "all"


def time_options(df: pd.DataFrame, max_steps: int = 200) -> list[tuple[str, pd.Timestamp]]:
    """Round time steps covering the records, for a range slider: (label, UTC timestamp).

    Examples
    --------
    >>> import flownb
    >>> from flownb.widgets._panel import time_options
    >>> opts = time_options(flownb.samples.load("demo"))
    >>> opts[0][0], len(opts) <= 201
    ('2025-06-02 00:00', True)
    """
    if "start" not in df.columns or len(df) == 0:
        return []
    st = seconds(df["start"])
    st = st[st != np.iinfo(np.int64).min]
    if len(st) == 0:
        return []
    en = seconds(df["end"]) if "end" in df.columns else st
    lo, hi = (
        int(st.min()),
        int(max(st.max(), en[en != np.iinfo(np.int64).min].max() if len(en) else st.max())) + 1,
    )
    w = pick_freq(hi - lo, max_steps)
    t0 = lo - lo % w
    steps = np.arange(t0, hi + w, w)
    times = pd.to_datetime(steps, unit="s", utc=True)
    fmt = "%Y-%m-%d %H:%M"
    return [(t.strftime(fmt), t) for t in times]


def _join(values: tuple) -> str:
    return ", ".join(str(v) for v in values)


class FilterPanel:
    """Controls for a :class:`FilterState`: time range, action, protocols, ports, source, destination, ENI, direction.

    Typing boxes apply when you press Enter or leave the box (``continuous_update=False``);
    the time slider applies when you let go. A bad value (a mistyped CIDR) shows a
    message next to the controls and leaves the last good state in force.

    Parameters
    ----------
    df : DataFrame
        The records: the time slider, the ENI list and the direction choice come from them.
    state : FilterState, optional
        Where to start.

    Examples
    --------
    >>> import flownb
    >>> from flownb.widgets import FilterPanel, FilterState
    >>> panel = FilterPanel(flownb.samples.load("aws-docs/default-accept-reject"))
    >>> panel.src.value = "172.31.9.0/24"
    >>> panel.state
    FilterState(src='172.31.9.0/24')
    >>> panel.src.value = "172.31.9.0/33"
    >>> panel.state, "must be an IP address" in panel.message.value
    (FilterState(src='172.31.9.0/24'), True)
    """

    def __init__(self, df: pd.DataFrame, state: FilterState | None = None) -> None:
        w = widgets()
        self._callbacks: list[Callable[[FilterState], None]] = []
        self._quiet = False
        self._state = FilterState()
        self.last_error: Exception | None = None
        layout = w.Layout(width="170px")
        style = {"description_width": "72px"}
        self._times = time_options(df)
        labels = [label for label, _ in self._times] or ["(no times)"]
        self.time = w.SelectionRangeSlider(
            options=labels,
            index=(0, len(labels) - 1),
            description="time (UTC)",
            continuous_update=False,
            readout=False,
            layout=w.Layout(width="480px"),
            style=style,
            disabled=not self._times,
        )
        self.time_text = w.HTML(layout=w.Layout(width="300px"))
        self.time.observe(lambda _c: self._show_time(), names="index")
        self._show_time()
        actions = [ALL] + [a for a in ("ACCEPT", "REJECT") if "action" in df.columns]
        self.action = w.ToggleButtons(
            options=actions, value=ALL, description="action", style={**style, "button_width": "84px"}
        )
        self.protocols = w.Text(
            placeholder="tcp, udp, 1",
            description="protocols",
            continuous_update=False,
            layout=layout,
            style=style,
        )
        self.ports = w.Text(
            placeholder="22, 443", description="ports", continuous_update=False, layout=layout, style=style
        )
        self.src = w.Text(
            placeholder="10.0.1.0/24",
            description="src",
            continuous_update=False,
            layout=layout,
            style=style,
        )
        self.dst = w.Text(
            placeholder="10.0.2.15",
            description="dst",
            continuous_update=False,
            layout=layout,
            style=style,
        )
        enis = []
        if "interface_id" in df.columns:
            col = df["interface_id"]
            values = (
                col.cat.categories
                if isinstance(col.dtype, pd.CategoricalDtype)
                else pd.Index(col.dropna().unique())
            )
            enis = sorted(str(v) for v in values)[:2000]
        self.interface = w.Combobox(options=enis, placeholder="eni-…", description="ENI", ensure_option=False,
                                    continuous_update=False, layout=w.Layout(width="260px"), style=style)  # fmt: skip
        has_dir = "flow_direction" in df.columns
        self.direction = w.ToggleButtons(options=[ALL, "ingress", "egress"], value=ALL, description="direction",
                                         disabled=not has_dir, style={**style, "button_width": "84px"})  # fmt: skip
        self.reset_button = w.Button(
            description="Reset", icon="undo", tooltip="Clear every filter", layout=w.Layout(width="90px")
        )
        self.message = w.HTML(value="")
        self.controls = [
            self.time,
            self.action,
            self.protocols,
            self.ports,
            self.src,
            self.dst,
            self.interface,
            self.direction,
        ]
        for c in self.controls:
            c.observe(self._on_control, names="value")
        self.reset_button.on_click(lambda _b: self.reset())
        self.widget = w.VBox(
            [
                w.HBox([self.time, self.time_text, self.reset_button]),
                w.HBox([self.action, self.direction]),
                w.HBox([self.protocols, self.ports, self.src, self.dst]),
                w.HBox([self.interface, self.message]),
            ],
            layout=w.Layout(border="1px solid #ddd", padding="6px"),
        )
        if state is not None:
            self.state = state

    # ----------------------------------------------------------------- state
    @property
    def state(self) -> FilterState:
        """The last valid state (setting it updates the controls and notifies once, as a click would)."""
        return self._state

    @state.setter
    def state(self, state: FilterState) -> None:
        if not isinstance(state, FilterState):
            raise TypeError(f"'state' must be a FilterState, got {type(state).__name__}")
        self._quiet = True
        try:
            self.time.index = self._time_index(state)
            # the slider snaps to its steps: remember the exact times while it is not moved
            self._exact_time = (tuple(self.time.index), state.start, state.end)
            self.action.value = (
                state.actions[0]
                if len(state.actions) == 1 and state.actions[0] in self.action.options
                else ALL
            )
            self.protocols.value = _join(PROTOCOL_NAMES.get(p, p) for p in state.protocols)
            self.ports.value = _join(state.ports)
            self.src.value = state.src or ""
            self.dst.value = state.dst or ""
            self.interface.value = _join(state.interfaces)
            self.direction.value = state.direction or ALL
        finally:
            self._quiet = False
        self.message.value = ""
        self._set(state)

    def on_change(self, callback: Callable[[FilterState], None]) -> None:
        """Call ``callback(state)`` whenever a new valid state is chosen."""
        self._callbacks.append(callback)

    def reset(self) -> None:
        """Clear every filter."""
        self.state = FilterState()

    def _show_time(self) -> None:
        if not self._times:
            self.time_text.value = message_html("no times in these records", "info")
            return
        i, j = self.time.index
        self.time_text.value = message_html(f"{self.time.options[i]} – {self.time.options[j]} UTC", "info")

    def _time_index(self, state: FilterState) -> tuple[int, int]:
        if not self._times:
            return (0, 0)
        ts = [t for _, t in self._times]
        i = 0 if state.start is None else max(0, int(np.searchsorted(ts, state.start, side="right")) - 1)
        j = (
            len(ts) - 1
            if state.end is None
            else min(len(ts) - 1, int(np.searchsorted(ts, state.end, side="left")))
        )
        return (i, max(i, j))

    def _set(self, state: FilterState) -> None:
        changed = state != self._state
        self._state = state
        if changed:
            for cb in list(self._callbacks):
                cb(state)

    # --------------------------------------------------------------- controls
    def read(self) -> FilterState:
        """A FilterState from the controls as they are now (ValueError when a box holds a bad value)."""
        start = end = None
        exact = getattr(self, "_exact_time", None)
        if exact is not None and exact[0] == tuple(self.time.index):
            start, end = exact[1], exact[2]
        elif self._times:
            i, j = self.time.index
            if i > 0:
                start = self._times[i][1]
            if j < len(self._times) - 1:
                end = self._times[j][1]
        protocols = tuple(parse_protocol(p) for p in self.protocols.value.split(",") if p.strip())
        ports = tuple(parse_port(p) for p in self.ports.value.split(",") if p.strip())
        parse_network(self.src.value, "src")
        parse_network(self.dst.value, "dst")
        return FilterState(
            start=start,
            end=end,
            actions=() if self.action.value == ALL else (self.action.value,),
            protocols=protocols,
            ports=ports,
            src=self.src.value or None,
            dst=self.dst.value or None,
            interfaces=tuple(v.strip() for v in self.interface.value.split(",") if v.strip()),
            direction=None if self.direction.value == ALL else self.direction.value,
        )

    def _on_control(self, _change: Any) -> None:
        if self._quiet:
            return
        try:
            state = self.read()
        except (ValueError, TypeError) as exc:
            self.last_error = exc
            self.message.value = message_html(str(exc), "error")
            return
        self.message.value = ""
        self._set(state)

    def _ipython_display_(self) -> None:  # pragma: no cover - needs a notebook front end
        from IPython.display import display

        display(self.widget)
