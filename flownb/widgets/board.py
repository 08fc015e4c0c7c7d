"""DetectorBoard: run the detectors, see the findings in a list and on a timeline, pick one for its evidence."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import charts as _charts
from ..charts._common import altair, empty_chart
from ._base import jupyter_chart, message_html, shown_errors, table_html, widgets


def finding_label(row: pd.Series) -> str:
    """'[High] outbound_flood: 10.0.1.10 sent up to …' (one line of the findings list)."""
    summary = str(row.get("summary", ""))
    if len(summary) > 110:
        summary = summary[:107] + "…"
    return f"[{row.get('severity', '?')}] {row['detector']}: {summary}"


def evidence_columns(ev: pd.DataFrame) -> list[str]:
    wanted = (
        "start",
        "interface_id",
        "srcaddr",
        "srcport",
        "dstaddr",
        "dstport",
        "protocol",
        "packets",
        "bytes",
        "tcp_flags",
        "action",
    )
    return [c for c in wanted if c in ev.columns]


class DetectorBoard:
    """Findings of :func:`flownb.detect` as a list and a timeline; select one to see the records behind it.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    detectors : list of str, optional
        Which detectors to run (all by default).
    run : bool, default True
        Run them now (otherwise press Run).

    Examples
    --------
    >>> import flownb
    >>> from flownb.widgets import DetectorBoard
    >>> board = DetectorBoard(flownb.simulate("port_scan", seed=0, duration="30min").flows)
    >>> board.findings["detector"].iloc[0]
    'vertical_scan'
    >>> board.select(0)
    >>> len(board.evidence) > 0, "vertical_scan" in board.detail.value
    (True, True)
    """

    def __init__(self, df: pd.DataFrame, detectors: list[str] | None = None, *, run: bool = True) -> None:
        if not isinstance(df, pd.DataFrame):
            raise TypeError(
                f"DetectorBoard needs a pandas DataFrame of flow log records, got {type(df).__name__}"
            )
        from ..analysis import detectors as _det

        w = widgets()
        self.df = df
        self.findings: pd.DataFrame | None = None
        self.evidence: pd.DataFrame | None = None
        self.selected: int | None = None
        self.last_error: Exception | None = None
        names = list(_det.DETECTORS)
        self.detectors = w.SelectMultiple(options=names, value=tuple(detectors or names), description="detectors", rows=6,
                                          layout=w.Layout(width="320px"))  # fmt: skip
        self.button = w.Button(description="Run detectors", button_style="primary", icon="search")
        self.button.on_click(lambda _b: self.run())
        self._message = w.HTML()
        self.list = w.Select(options=[], rows=10, layout=w.Layout(width="900px"))
        self.list.observe(self._on_pick, names="value")
        self.timeline = jupyter_chart(
            empty_chart(altair(), "Run the detectors to see their findings", height=40)
        )
        self.detail = w.HTML()
        self.evidence_view = jupyter_chart(
            empty_chart(altair(), "Select a finding to see its evidence", height=40)
        )
        self.widget = w.VBox(
            [
                w.HBox([self.detectors, self.button]),
                self._message,
                self.timeline,
                self.list,
                self.detail,
                self.evidence_view,
            ]
        )
        if run:
            self.run()

    @shown_errors()
    def run(self) -> pd.DataFrame:
        """Run the chosen detectors; the findings (also on ``.findings``)."""
        from ..analysis.detectors import detect

        self._message.value = message_html("running…", "info")
        chosen = list(self.detectors.value) or None
        findings = detect(self.df, detectors=chosen).reset_index(drop=True)
        self.findings = findings
        self.selected = None
        self.evidence = None
        self.list.options = [(finding_label(r), i) for i, r in findings.iterrows()]
        self.timeline.chart = _charts.findings_timeline(findings)
        self._message.value = message_html(
            f"{len(findings)} finding(s)"
            if len(findings)
            else "No findings: the detectors found nothing in these records.",
            "ok" if len(findings) else "info",
        )
        self.detail.value = ""
        return findings

    def _on_pick(self, change: Any) -> None:
        if change["new"] is not None:
            self.select(change["new"])

    @shown_errors()
    def select(self, index: int) -> None:
        """Show the evidence of finding ``index`` (its row in ``.findings``)."""
        from ..analysis.detectors import evidence

        if self.findings is None or not 0 <= index < len(self.findings):
            raise ValueError(
                f"'index' must be between 0 and {0 if self.findings is None else len(self.findings) - 1}, got {index!r}"
            )
        row = self.findings.iloc[index]
        ev = evidence(self.df, row)
        self.selected = index
        self.evidence = ev
        if self.list.value != index:
            self.list.value = index
        self.detail.value = (
            message_html(finding_label(row), "info")
            + f"<div style='font-size:13px'>{row.get('summary', '')}</div>"
            + f"<b>Evidence: {len(ev):,} record(s)</b>"
            + table_html(ev[evidence_columns(ev)], 15)
        )
        self.evidence_view.chart = (
            _charts.traffic_timeline(ev, metric="flows", by="action", height=140)
            if len(ev)
            else empty_chart(altair(), "No evidence records", height=40)
        )

    def _ipython_display_(self) -> None:  # pragma: no cover
        from IPython.display import display

        display(self.widget)
