"""The answer of :func:`flownb.diagnose` and its one rendering (text and HTML)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["VERDICT_COLOURS", "Diagnosis"]

#: Colour of a verdict in displays (the Troubleshooter uses the same): green reachable, amber unsure,
#: grey nothing seen, red broken.
VERDICT_COLOURS = {"REACHABLE": "#1b7f3b", "INCOMPLETE_DATA": "#8a6d00", "NO_TRAFFIC_SEEN": "#555"}
BROKEN_COLOUR = "#b3261e"
_TIMELINE = ["start", "end", "verdict", "windows", "records", "accepted", "rejected"]


@dataclass(frozen=True, repr=False)
class Diagnosis:
    """The answer of :func:`diagnose`: a verdict, the records that prove it, and what to do.

    Attributes
    ----------
    verdict : str
        The main verdict code (see ``VERDICTS``).
    verdicts : tuple of str
        Every code that applies, the main one first, then annotations such as
        ``VIA_NAT_GATEWAY``.
    explanation : str
        What happened, in plain words, naming the rule to look at.
    evidence : DataFrame
        The records that show it (rows of the input, same index), with two
        columns added. ``role``: ``request egress``, ``request ingress``,
        ``response egress`` or ``response ingress`` (the direction for the ENI
        that wrote the record). ``leg``: ``direct`` (a record between the two
        endpoints' own addresses), ``translated`` (written by a NAT or transit
        gateway interface with one original address in ``pkt-srcaddr`` or
        ``pkt-dstaddr``: the side between the endpoint and the gateway) or
        ``nat`` (a NAT gateway's leg from its own address to the destination,
        joined on interface, port, packets, bytes and time).
    next_steps : tuple of str
        What to check next, with AWS CLI commands filled in.
    question : str
        The question asked, in words.
    details : dict
        The facts the rules found (ENIs per verdict), for programs.
    timeline : DataFrame
        The verdict over time: one row per stretch of consecutive aggregation
        intervals with the same verdict (``start``, ``end``, ``verdict``,
        ``windows`` with records, ``records``, ``accepted``, ``rejected``),
        oldest first. ``verdict`` is the last row's.

    Examples
    --------
    >>> import flownb
    >>> d = flownb.diagnose(flownb.samples.load("aws-docs/nat-gateway"), "10.0.1.5", "203.0.113.5")
    >>> d.verdict, d.verdicts
    ('REACHABLE', ('REACHABLE', 'VIA_NAT_GATEWAY'))
    >>> sorted(set(d.evidence["leg"].astype(str)))
    ['direct', 'nat', 'translated']
    """

    verdict: str
    verdicts: tuple[str, ...]
    explanation: str
    evidence: pd.DataFrame
    next_steps: tuple[str, ...]
    question: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    timeline: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({c: [] for c in _TIMELINE}))

    def __str__(self) -> str:
        return self.to_text()

    def to_text(self, evidence_rows: int = 20) -> str:
        """The diagnosis as plain text, with up to ``evidence_rows`` evidence records."""
        lines = [f"{self.question}", f"verdict: {self.verdict}"]
        if len(self.verdicts) > 1:
            lines.append("also:    " + ", ".join(self.verdicts[1:]))
        lines.append("")
        lines.append(self.explanation)
        if self.next_steps:
            lines.append("")
            lines.append("next steps:")
            lines.extend(f"  - {s}" for s in self.next_steps)
        if len(self.timeline) > 1:
            lines.append("")
            lines.append("timeline:")
            lines.append(self._timeline_table().to_string(index=False))
        lines.append("")
        lines.append(f"evidence: {len(self.evidence)} record(s), rejected ones first")
        if len(self.evidence) and evidence_rows > 0:
            lines.append(self._evidence_table(evidence_rows).to_string())
        if len(self.evidence) > max(evidence_rows, 0):
            lines.append(f"... and {len(self.evidence) - max(evidence_rows, 0)} more (see .evidence)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<Diagnosis {self.verdict} ({', '.join(self.verdicts[1:]) or 'nothing else'}); "
            f"{len(self.evidence)} evidence record(s); print() it for the explanation>"
        )

    def _timeline_table(self) -> pd.DataFrame:
        t = self.timeline.copy()
        for c in ("start", "end"):
            t[c] = t[c].dt.strftime("%Y-%m-%d %H:%M")
        return t

    def _evidence_table(self, limit: int) -> pd.DataFrame:
        cols = [
            c
            for c in (
                "role",
                "leg",
                "interface_id",
                "srcaddr",
                "dstaddr",
                "srcport",
                "dstport",
                "protocol",
                "pkt_srcaddr",
                "pkt_dstaddr",
                "packets",
                "bytes",
                "start",
                "end",
                "action",
                "tcp_flags",
                "reject_reason",
            )
            if c in self.evidence.columns
        ]
        return self.evidence_first(limit)[cols]

    def evidence_first(self, n: int = 20) -> pd.DataFrame:
        """The ``n`` evidence records that show the verdict best: REJECTed ones first, then by time.

        ``.evidence`` keeps every record of the connection in time order; over a long
        window the few records that prove a block would sit after hours of healthy
        traffic, so displays start with them.
        """
        ev = self.evidence
        if "action" not in ev.columns or not len(ev):
            return ev.head(n)
        rejected = (ev["action"] == "REJECT").fillna(False).to_numpy(dtype=bool)
        order = np.argsort(~rejected, kind="stable")
        return ev.iloc[order[:n]]

    def _repr_html_(self) -> str:
        colour = VERDICT_COLOURS.get(self.verdict, BROKEN_COLOUR)
        esc = html.escape
        parts = [
            '<div class="flownb-diagnosis" style="font-family:sans-serif;max-width:70em">',
            f'<div style="color:#555">{esc(self.question)}</div>',
            f'<div style="font-size:1.3em;font-weight:bold;color:{colour};margin:.3em 0">'
            f"{esc(self.verdict)}</div>",
        ]
        if len(self.verdicts) > 1:
            badges = " ".join(
                f'<span style="border:1px solid #999;border-radius:3px;padding:0 .3em;margin-right:.3em">'
                f"{esc(v)}</span>"
                for v in self.verdicts[1:]
            )
            parts.append(f"<div>also: {badges}</div>")
        parts.append(f'<p style="margin:.6em 0">{esc(self.explanation)}</p>')
        if self.next_steps:
            items = "".join(
                f"<li><code>{esc(s)}</code></li>" if s.startswith("aws ") else f"<li>{esc(s)}</li>"
                for s in self.next_steps
            )
            parts.append(f"<div><b>Next steps</b><ul>{items}</ul></div>")
        if len(self.timeline) > 1:
            parts.append(
                "<details open><summary><b>Timeline</b> (UTC)</summary>"
                + self._timeline_table().to_html(index=False, border=0)
                + "</details>"
            )
        n = len(self.evidence)
        parts.append(
            f"<details{' open' if n <= 10 else ''}><summary><b>Evidence</b>: {n} record(s)</summary>"
        )
        if n:
            parts.append(self._evidence_table(50).to_html(na_rep="-", border=0))
            if n > 50:
                parts.append(f"<div>... and {n - 50} more (see <code>.evidence</code>)</div>")
        parts.append("</details></div>")
        return "".join(parts)
