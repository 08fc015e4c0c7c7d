"""DetectorBoard: run the detectors, see the findings in a list and on a timeline, pick one for its evidence."""

from __future__ import annotations

import html
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


def _number(v: Any) -> str:
    v = float(v)
    return f"{v:,.0f}" if abs(v) >= 100 or v == int(v) else f"{v:.2f}"


def why_text(row: pd.Series) -> str:
    """Why a finding fired: 'value 500 ≥ threshold 15 (distinct ports per 5 min); 498 connections, 08:00 to 08:02 UTC'."""
    value, threshold, measure = row.get("value"), row.get("threshold"), row.get("measure")
    parts = []
    if value is not None and not pd.isna(value):
        crossed = (
            f" ≥ threshold {_number(threshold)}" if threshold is not None and not pd.isna(threshold) else ""
        )
        what = f" ({measure})" if measure is not None and not pd.isna(measure) and str(measure) else ""
        parts.append(f"value {_number(value)}{crossed}{what}")
    count = row.get("count")
    if count is not None and not pd.isna(count):
        parts.append(f"{int(count):,} connection(s), {int(row.get('evidence_count', 0) or 0):,} record(s)")
    start, end = row.get("start"), row.get("end")
    if start is not None and not pd.isna(start):
        parts.append(f"first seen {start:%Y-%m-%d %H:%M}, last seen {end:%Y-%m-%d %H:%M} UTC")
    return "; ".join(parts)


def findings_summary(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings per detector and severity (the board's overview of a long list)."""
    if findings.empty:
        return pd.DataFrame(columns=["detector", "High", "Medium", "Low", "total"])
    counts = pd.crosstab(findings["detector"].astype(str), findings["severity"].astype(str))
    counts = counts.reindex(columns=["High", "Medium", "Low"], fill_value=0)
    counts["total"] = counts.sum(axis=1)
    return counts.sort_values(["High", "Medium", "total"], ascending=False).reset_index()


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
    page_size : int, default 50
        Findings listed per page: the list stays quick with tens of thousands of
        findings; a table above it counts them per detector and severity.
    max_findings : int, default 100
        Passed to :func:`flownb.detect` (findings kept per detector).

    Examples
    --------
    >>> import flownb
    >>> from flownb.widgets import DetectorBoard
    >>> board = DetectorBoard(flownb.simulate("port_scan", seed=0, duration="30min").flows)
    >>> board.findings["detector"].iloc[0]
    'vertical_scan'
    >>> board.select(0)
    >>> len(board.evidence) > 0, "vertical_scan" in board.detail.value, "threshold 15" in board.detail.value
    (True, True, True)
    """

    def __init__(
        self,
        df: pd.DataFrame,
        detectors: list[str] | None = None,
        *,
        run: bool = True,
        page_size: int = 50,
        max_findings: int = 100,
    ) -> None:
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
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise ValueError(f"'page_size' must be a whole number of at least 1, got {page_size!r}")
        self.page_size = page_size
        self.max_findings = max_findings
        self.page = 0
        names = list(_det.DETECTORS)
        self.detectors = w.SelectMultiple(options=names, value=tuple(detectors or names), description="detectors", rows=6,
                                          layout=w.Layout(width="320px"))  # fmt: skip
        self.button = w.Button(description="Run detectors", button_style="primary", icon="search")
        self.button.on_click(lambda _b: self.run())
        self._message = w.HTML()
        self.overview = w.HTML()
        self.list = w.Select(options=[], rows=12, layout=w.Layout(width="900px"))
        self.list.observe(self._on_pick, names="value")
        self.prev_button = w.Button(description="◀ previous", layout=w.Layout(width="110px"))
        self.next_button = w.Button(description="next ▶", layout=w.Layout(width="110px"))
        self.prev_button.on_click(lambda _b: self.show_page(self.page - 1))
        self.next_button.on_click(lambda _b: self.show_page(self.page + 1))
        self.page_label = w.HTML()
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
                self.overview,
                self.timeline,
                w.HBox([self.prev_button, self.next_button, self.page_label]),
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
        findings = detect(self.df, detectors=chosen, max_findings=self.max_findings)
        return self.show(findings)

    def show(self, findings: pd.DataFrame) -> pd.DataFrame:
        """Show a findings frame (what :func:`flownb.detect` returns): overview, timeline, first page."""
        findings = findings.reset_index(drop=True)
        self.findings = findings
        self.selected = None
        self.evidence = None
        summary = findings_summary(findings)
        self.overview.value = table_html(summary, 20) if len(findings) else ""
        self.timeline.chart = _charts.findings_timeline(findings)  # at most 5,000 findings drawn
        self.show_page(0)
        self._message.value = message_html(
            f"{len(findings):,} finding(s) from {len(summary)} detector(s)"
            if len(findings)
            else "No findings: the detectors found nothing in these records.",
            "ok" if len(findings) else "info",
        )
        self.detail.value = ""
        return findings

    def pages(self) -> int:
        """How many pages the findings list has."""
        n = 0 if self.findings is None else len(self.findings)
        return max(1, -(-n // self.page_size))

    def show_page(self, page: int) -> None:
        """List page ``page`` (0-based, clipped to the pages there are) of the findings."""
        n = 0 if self.findings is None else len(self.findings)
        self.page = min(max(int(page), 0), self.pages() - 1)
        lo, hi = self.page * self.page_size, min((self.page + 1) * self.page_size, n)
        rows = self.findings.iloc[lo:hi] if self.findings is not None else pd.DataFrame()
        self.list.options = [(finding_label(r), int(i)) for i, r in rows.iterrows()]
        self.prev_button.disabled = self.page == 0
        self.next_button.disabled = self.page >= self.pages() - 1
        self.page_label.value = (
            f"<span style='font-size:13px'>findings {lo + 1:,}-{hi:,} of {n:,} (page {self.page + 1} of {self.pages()})</span>"
            if n
            else ""
        )

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
        if index // self.page_size != self.page:
            self.show_page(index // self.page_size)
        if self.list.value != index:
            self.list.value = index
        self.detail.value = (
            message_html(finding_label(row), "info")
            + f"<div style='font-size:13px'>{html.escape(str(row.get('summary', '')))}</div>"
            + f"<div style='font-size:13px'><b>Why:</b> {html.escape(why_text(row))}</div>"
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
