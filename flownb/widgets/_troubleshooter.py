"""Troubleshooter: pick a source, a destination, a port and a protocol; Diagnose; read the verdict and evidence."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from .. import charts as _charts
from .._cache import ColumnCache as Records
from ._base import jupyter_chart, shown_errors, table_html, widgets

ANY = "any"


def endpoint_choices(df: pd.DataFrame, n: int = 300) -> list[str]:
    """Addresses seen most often (as source or destination), then ENI ids: the drop-down's options.

    Examples
    --------
    >>> import flownb
    >>> from flownb.widgets._troubleshooter import endpoint_choices
    >>> endpoint_choices(flownb.samples.load("aws-docs/default-accept-reject"))[:2]
    ['172.31.16.139', '172.31.16.21']
    """
    rec = Records.of(df)
    counts: dict[str, float] = {}
    for col in ("srcaddr", "dstaddr"):
        if col in rec.columns:
            c, values = rec.codes(col)
            k = np.bincount(c[c >= 0], minlength=len(values))
            for v, m in zip(values.astype(str), k, strict=True):
                if m:
                    counts[v] = counts.get(v, 0) + m
    ranked = sorted(counts, key=lambda v: (-counts[v], v))[:n]
    enis = []
    if "interface_id" in rec.columns:
        _, values = rec.codes("interface_id")
        enis = sorted(values.astype(str))[:n]
    return ranked + enis


def port_choices(df: pd.DataFrame, n: int = 50) -> list[str]:
    """The most frequent destination ports, as text."""
    if "dstport" not in df.columns:
        return []
    return [str(p) for p in df["dstport"].value_counts().head(n).index]


def verdict_html(d: Any) -> str:
    """The verdict as a coloured badge, the question, the explanation, the timeline and the next steps
    (the colours of :class:`~flownb.analysis.Diagnosis`'s own display)."""
    from ..analysis.connectivity._diagnosis import BROKEN_COLOUR, VERDICT_COLOURS

    color = VERDICT_COLOURS.get(d.verdict, BROKEN_COLOUR)
    also = "".join(f' <span style="color:#555">+ {html.escape(v)}</span>' for v in d.verdicts[1:])
    timeline = "<b>Timeline (UTC)</b>" + d._timeline_table().to_html(index=False, border=0)
    steps = "".join(
        f"<li><code>{html.escape(s)}</code></li>" if s.startswith("aws ") else f"<li>{html.escape(s)}</li>"
        for s in d.next_steps
    )
    return (
        f'<div style="font-size:13px"><div style="color:#555">{html.escape(d.question)}</div>'
        f'<div style="margin:6px 0"><span style="background:{color};color:white;padding:2px 8px;border-radius:4px;'
        f'font-weight:bold">{html.escape(d.verdict)}</span>{also}</div>'
        f"<p>{html.escape(d.explanation)}</p>"
        + (timeline if len(getattr(d, "timeline", ())) > 1 else "")
        + (f"<b>Next steps</b><ul>{steps}</ul>" if steps else "")
        + "</div>"
    )


def evidence_chart(d: Any) -> Any:
    """ACCEPT and REJECT per role over time, the windows with a failing verdict shaded
    (:func:`flownb.charts.diagnosis_timeline`)."""
    if d is None or len(d.evidence) == 0:
        alt = _charts._common.altair()
        return _charts._common.empty_chart(alt, "No evidence records")
    return _charts.diagnosis_timeline(d)


class Troubleshooter:
    """Why can't A reach B? Choose both ends (typing allowed), a port and a protocol, and press Diagnose.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    src, dst, port, protocol : optional
        Initial choices; when ``src`` and ``dst`` are given the diagnosis runs at once.

    Examples
    --------
    >>> import flownb
    >>> from flownb.widgets import Troubleshooter
    >>> sim = flownb.simulate("nacl_blocks_return", seed=0, duration="20min")
    >>> t = Troubleshooter(sim.flows, src="10.0.10.10", dst="10.0.20.10", port=5432, protocol="tcp")
    >>> t.diagnosis.verdict
    'NACL_OUTBOUND_BLOCKS_RETURN'
    >>> "NACL_OUTBOUND_BLOCKS_RETURN" in t.result.value
    True
    """

    def __init__(
        self,
        df: pd.DataFrame,
        src: str | None = None,
        dst: str | None = None,
        port: int | None = None,
        protocol: str | int | None = None,
    ) -> None:
        if not isinstance(df, pd.DataFrame):
            raise TypeError(
                f"Troubleshooter needs a pandas DataFrame of flow log records, got {type(df).__name__}"
            )
        w = widgets()
        self.df = df
        self.diagnosis: Any = None
        self.last_error: Exception | None = None
        ends = endpoint_choices(df)
        style = {"description_width": "60px"}
        self.src = w.Combobox(options=ends, placeholder="10.0.1.5, 10.0.1.0/24 or eni-…", description="source",
                              ensure_option=False, style=style, layout=w.Layout(width="300px"))  # fmt: skip
        self.dst = w.Combobox(options=ends, placeholder="10.0.2.15", description="to", ensure_option=False,
                              style=style, layout=w.Layout(width="300px"))  # fmt: skip
        self.port = w.Combobox(options=port_choices(df), placeholder="any", description="port", ensure_option=False,
                               style=style, layout=w.Layout(width="160px"))  # fmt: skip
        self.protocol = w.Dropdown(options=[ANY, "tcp", "udp", "icmp"], value=ANY, description="protocol", style=style,
                                   layout=w.Layout(width="170px"))  # fmt: skip
        self.button = w.Button(description="Diagnose", button_style="primary", icon="stethoscope")
        self.button.on_click(lambda _b: self.run())
        self._message = w.HTML()
        self.result = w.HTML()
        self.evidence_table = w.HTML()
        self.chart = jupyter_chart(evidence_chart(None))
        self.widget = w.VBox(
            [
                w.HBox([self.src, self.dst]),
                w.HBox([self.port, self.protocol, self.button]),
                self._message,
                self.result,
                self.chart,
                self.evidence_table,
            ]
        )
        if src is not None:
            self.src.value = str(src)
        if dst is not None:
            self.dst.value = str(dst)
        if port is not None:
            self.port.value = str(port)
        if protocol is not None:
            self.protocol.value = (
                str(protocol).lower() if str(protocol).lower() in self.protocol.options else ANY
            )
        if src is not None and dst is not None:
            self.run()

    @shown_errors()
    def run(self) -> Any:
        """Diagnose the chosen pair; returns the :class:`~flownb.analysis.Diagnosis` (also on ``.diagnosis``)."""
        from ..analysis import diagnose

        self._message.value = ""
        src, dst = self.src.value.strip(), self.dst.value.strip()
        if not src or not dst:
            raise ValueError("choose a source and a destination (an IP address, a CIDR block or an ENI id)")
        port_text = self.port.value.strip()
        if port_text and not port_text.isdigit():
            raise ValueError(f"'port' must be a whole number from 0 to 65535, got {port_text!r}")
        port = int(port_text) if port_text else None
        protocol = None if self.protocol.value == ANY else self.protocol.value
        d = diagnose(self.df, src, dst, port=port, protocol=protocol)
        self.diagnosis = d
        self.result.value = verdict_html(d)
        ev = d.evidence
        cols = [c for c in ("start", "interface_id", "srcaddr", "srcport", "dstaddr", "dstport", "protocol", "packets", "bytes", "tcp_flags", "action", "role", "leg") if c in ev.columns]  # fmt: skip
        first = d.evidence_first(15)
        self.evidence_table.value = (
            f"<b>Evidence: {len(ev):,} record(s), rejected ones first</b>"
            + table_html(first[cols] if len(first) else first, 15)
        )
        self.chart.chart = evidence_chart(d)
        return d

    def _ipython_display_(self) -> None:  # pragma: no cover
        from IPython.display import display

        display(self.widget)
