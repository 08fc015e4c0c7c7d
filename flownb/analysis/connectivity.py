"""Why can't A reach B? Connectivity troubleshooting from the records, with evidence.

The reasoning follows the Amazon VPC User Guide:

* **Security groups are stateful**: the response to an accepted request is
  always allowed, whatever the rules say. So a rejected *response* to an
  accepted request is never a security group: it is a **network ACL**, which is
  stateless and evaluates the response again (against the client's ephemeral
  ports). The User Guide's ping example (request ACCEPT in, response REJECT
  out) is exactly this.
* A rejected **request** cannot tell a security group from a network ACL: the
  record says REJECT, not which one. flownb says so and gives the Reachability
  Analyzer command that can.
* **SKIPDATA** means records were skipped: "nothing was seen" is then no proof
  that nothing happened.
* **NAT and transit gateways rewrite addresses**: their interfaces write their
  own address in ``srcaddr``/``dstaddr`` and the original ones in
  ``pkt-srcaddr``/``pkt-dstaddr``. Requests are matched on both, and a NAT
  gateway's second leg (its own address to the destination) is joined on
  address, port and time.

Examples
--------
>>> import flownb
>>> d = flownb.analysis.diagnose(flownb.samples.load("aws-docs/sg-nacl-ping"), "203.0.113.12", "172.31.16.139")
>>> d.verdict
'NACL_OUTBOUND_BLOCKS_RETURN'
"""

from __future__ import annotations

import html
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._addresses import Endpoint, codes_and_values, matches, parse_endpoint, scope_of
from ._frame import data_rows, distinct, float_array, int_array, isin, require, seconds
from ._ports import EPHEMERAL_NACL, protocol_label, protocol_number
from .enrich import local_side

__all__ = ["ANNOTATIONS", "VERDICTS", "Diagnosis", "coverage", "diagnose", "one_way_flows", "rejections"]

#: Verdict codes (DESIGN.md) and what each means, most decisive first.
VERDICTS: dict[str, str] = {
    "BLOCKED_BY_VPC_BPA": "VPC Block Public Access rejected the traffic",
    "NACL_OUTBOUND_BLOCKS_RETURN": "the destination's network ACL drops the response on its way out",
    "NACL_INBOUND_BLOCKS_RETURN": "the source's network ACL drops the response on its way in",
    "OUTBOUND_BLOCKED_SG_OR_NACL": "the request is rejected leaving the source (security group or network ACL)",
    "INBOUND_BLOCKED_SG_OR_NACL": "the request is rejected arriving at the destination (security group or network ACL)",
    "CONNECTION_REFUSED": "the destination answered with a TCP reset: nothing listens on the port",
    "ASYMMETRIC_PATH": "the response comes back on a different path than the request left on",
    "NOT_DELIVERED": "the request left the source but never reached the destination's interface",
    "NO_RESPONSE": "the request was accepted but nothing answered",
    "UNEXPECTED_EGRESS_PATH": "traffic to a private address left through an internet gateway",
    "REACHABLE": "requests and responses both pass",
    "INCOMPLETE_DATA": "records were skipped (SKIPDATA): the absence of traffic proves nothing",
    "NO_TRAFFIC_SEEN": "no records between the two in the data",
}

#: Annotations that appear in ``Diagnosis.verdicts`` only, never as the main verdict.
ANNOTATIONS: dict[str, str] = {
    "VIA_NAT_GATEWAY": "the traffic goes through a NAT gateway (legs joined on pkt-* fields and time)",
    "VIA_TRANSIT_GATEWAY": "the traffic goes through a transit gateway (original addresses in pkt-* fields)",
}

_ABSENCE = ("NOT_DELIVERED", "NO_RESPONSE", "NO_TRAFFIC_SEEN")
_ICMP = (1, 58)
_LEG_SLACK_S = 600  # a NAT leg is logged within one aggregation interval (at most 600 s) of the other


@dataclass(frozen=True, repr=False)
class Diagnosis:
    """The answer of :func:`diagnose`.

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
        The records that show it (rows of the input, same index), with ``role``
        ("request egress", "response ingress", ...) and ``leg`` (``direct``,
        ``nat``, ``transit``) added.
    next_steps : tuple of str
        What to check next, with AWS CLI commands filled in.
    """

    verdict: str
    verdicts: tuple[str, ...]
    explanation: str
    evidence: pd.DataFrame
    next_steps: tuple[str, ...]
    question: str = ""
    details: dict[str, Any] = field(default_factory=dict)

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
        colour = {
            "REACHABLE": "#1b7f3b",
            "INCOMPLETE_DATA": "#8a6d00",
            "NO_TRAFFIC_SEEN": "#555",
        }.get(self.verdict, "#b3261e")
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


def _timestamp(value: Any, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ValueError(
            f"{name} must be a time such as '2024-05-01 12:00' or a datetime, got {value!r}"
        ) from None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _eni_addresses(df: pd.DataFrame, eni: str) -> list[str]:
    """The addresses an ENI has in its records (its own side of each record)."""
    if "interface_id" not in df:
        raise ValueError(f"'{eni}' is an ENI id, but the records have no interface-id field to find it by")
    rows = np.asarray(df["interface_id"] == eni, dtype=bool) & data_rows(df)
    if not rows.any():
        return []
    sub = df.loc[
        rows,
        [
            c
            for c in ("interface_id", "srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr", "flow_direction")
            if c in df
        ],
    ]
    side = local_side(sub)
    addrs = pd.concat(
        [sub["srcaddr"].astype(object)[side == 1], sub["dstaddr"].astype(object)[side == 2]]
    ).dropna()
    if addrs.empty:  # cannot tell: the address present in most records
        addrs = pd.concat([sub["srcaddr"].astype(object), sub["dstaddr"].astype(object)]).dropna()
        top = addrs.value_counts()
        return [str(top.index[0])] if len(top) else []
    return sorted({str(a) for a in addrs})


def _networks(ep: Endpoint, df: pd.DataFrame) -> tuple[list, list[str]]:
    import ipaddress

    if ep.eni is None:
        return [ep.network], []
    addrs = _eni_addresses(df, ep.eni)
    return [ipaddress.ip_network(a) for a in addrs], addrs


def _match(df: pd.DataFrame, column: str, nets: list) -> np.ndarray:
    if column not in df:
        return np.zeros(len(df), dtype=bool)
    return matches(df[column], nets)


def diagnose(
    df: pd.DataFrame,
    src: str,
    dst: str,
    port: int | None = None,
    protocol: int | str | None = None,
    start: Any = None,
    end: Any = None,
) -> Diagnosis:
    """Why can't ``src`` reach ``dst``? A verdict, the records that prove it, and what to do.

    The records between the two (in both directions, including those NAT and
    transit gateway interfaces wrote with the original addresses in ``pkt_*``)
    are sorted into requests and responses, egress and ingress on each ENI, and
    read the way the VPC User Guide explains them: security groups are stateful,
    network ACLs are not; a rejected request cannot name which of the two
    dropped it; SKIPDATA makes absence inconclusive.

    Parameters
    ----------
    df : DataFrame
        Flow log records (the DataFrame contract).
    src, dst : str
        The client and the server: an IP address, a CIDR block, or an ENI id.
    port : int, optional
        The server's port (ignored for ICMP, whose records carry port 0).
    protocol : int or str, optional
        Protocol number or name ("tcp", "udp", "icmp", "icmpv6").
    start, end : str or datetime, optional
        Only records overlapping this window (UTC unless the time says otherwise).

    Returns
    -------
    Diagnosis
        ``.verdict``, ``.verdicts``, ``.explanation``, ``.evidence``,
        ``.next_steps``; shows itself in a notebook, prints in a terminal.

    Examples
    --------
    >>> import flownb
    >>> df = flownb.samples.load("aws-docs/sg-nacl-ping")
    >>> d = flownb.analysis.diagnose(df, src="203.0.113.12", dst="172.31.16.139", protocol="icmp")
    >>> d.verdict
    'NACL_OUTBOUND_BLOCKS_RETURN'
    >>> d.evidence[["role", "action"]]
                  role  action
    0   request ingress  ACCEPT
    1  response egress  REJECT
    >>> flownb.analysis.diagnose(flownb.samples.load("aws-docs/nat-gateway"), "10.0.1.5", "203.0.113.5").verdicts
    ('REACHABLE', 'VIA_NAT_GATEWAY')
    """
    require(df, ["srcaddr", "dstaddr"], "diagnose()")
    a_ep = parse_endpoint(src, name="src")
    b_ep = parse_endpoint(dst, name="dst")
    if port is not None:
        if isinstance(port, bool) or not isinstance(port, (int, np.integer)) or not 0 <= int(port) <= 65535:
            try:
                port = int(str(port))
            except ValueError:
                raise ValueError(f"port must be a number 0-65535, got {port!r}") from None
            if not 0 <= port <= 65535:
                raise ValueError(f"port must be a number 0-65535, got {port!r}")
        port = int(port)
    proto = protocol_number(protocol) if protocol is not None else None
    t0, t1 = _timestamp(start, "start"), _timestamp(end, "end")
    if t0 is not None and t1 is not None and t1 < t0:
        raise ValueError(f"end ({t1}) is before start ({t0})")

    question = _question(a_ep, b_ep, port, proto, t0, t1)
    if t0 is not None or t1 is not None:
        require(df, ["start", "end"], "diagnose(start=..., end=...)")
    nets_a, addrs_a = _networks(a_ep, df)
    nets_b, addrs_b = _networks(b_ep, df)
    # Every record that matters names src or dst in one of its address fields (a gateway's
    # legs too: one end is always an original address). Work on those; keep the whole
    # frame for questions about interfaces (whose address, logging, SKIPDATA).
    full = df
    keep = np.zeros(len(full), dtype=bool)
    for col in ("srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr"):
        keep |= _match(full, col, nets_a + nets_b)
    keep_idx = np.flatnonzero(keep)
    df = full.iloc[keep_idx]
    n = len(df)
    base = data_rows(df)
    if t0 is not None or t1 is not None:
        if t1 is not None:
            base &= np.asarray(df["start"].fillna(t1) <= t1, dtype=bool)
        if t0 is not None:
            base &= np.asarray(df["end"].fillna(t0) >= t0, dtype=bool)
    proto_arr = int_array(df.get("protocol"), n)
    if proto is not None and "protocol" in df:
        base &= proto_arr == proto
    icmp = proto in _ICMP

    src_a = _match(df, "srcaddr", nets_a)
    dst_a = _match(df, "dstaddr", nets_a)
    src_b = _match(df, "srcaddr", nets_b)
    dst_b = _match(df, "dstaddr", nets_b)
    psrc_a = _match(df, "pkt_srcaddr", nets_a)
    pdst_a = _match(df, "pkt_dstaddr", nets_a)
    psrc_b = _match(df, "pkt_srcaddr", nets_b)
    pdst_b = _match(df, "pkt_dstaddr", nets_b)
    sp = int_array(df.get("srcport"), n)
    dp = int_array(df.get("dstport"), n)
    req = base & (src_a | psrc_a) & (dst_b | pdst_b)
    resp = base & (src_b | psrc_b) & (dst_a | pdst_a)
    if port is not None and not icmp and "dstport" in df:
        icmp_rows = (proto_arr == 1) | (proto_arr == 58)  # ICMP records carry port 0
        req &= (dp == port) | icmp_rows
        resp &= (sp == port) | icmp_rows
    elif port is None and "dstport" in df and not icmp:
        # without a port, keep the connections src opened (not those dst opened to src)
        from .traffic import _pairing

        pair_rows = req | resp
        if pair_rows.any():
            sub = df.loc[pair_rows]
            p = _pairing(sub)
            if p is not None:
                to_server = np.zeros(len(sub), dtype=bool)
                to_server[p["idx"]] = p["to_server"]
                idx = np.flatnonzero(pair_rows)
                keep = np.zeros(n, dtype=bool)
                keep[idx] = np.where(req[idx], to_server, ~to_server)
                if (keep & req).any():
                    req &= keep
                    resp &= keep
    both = req & resp  # src and dst overlap (e.g. the same CIDR): call it a request
    resp &= ~both

    # ---- gateways: who rewrote what ---------------------------------------------------
    translated_b_side = req & ~dst_b & pdst_b  # sent to a gateway's own address, for dst
    translated_b_side |= resp & ~src_b & psrc_b
    translated_a_side = req & ~src_a & psrc_a  # delivered by a gateway interface, from src
    translated_a_side |= resp & ~dst_a & pdst_a
    # A NAT gateway's interface logs two legs of each connection: src -> its own address
    # (pkt-dstaddr = dst when the format has it) and its own address -> dst. The legs are
    # joined on interface, port, protocol, packets, bytes and time (the gateway changes
    # addresses and the source port, not the packets), which also works without pkt-* fields.
    far_req = base & dst_b & ~src_a & ~psrc_a
    near_req = base & (src_a | psrc_a) & ~dst_b
    if port is not None and not icmp and "dstport" in df:
        far_req &= dp == port
        near_req &= dp == port
    nat_leg = np.zeros(n, dtype=bool)
    leg_near = np.zeros(n, dtype=bool)
    if far_req.any() and near_req.any():
        gw = _address_set(df["srcaddr"][far_req])
        near_req &= _match(df, "dstaddr", gw)
        if near_req.any():
            a_rows, b_rows = _pair_legs(df, near_req, far_req, "dstport", "dstaddr")
            if b_rows.any():
                gw = _address_set(df["srcaddr"][b_rows])
                far_resp = base & src_b & _match(df, "dstaddr", gw)
                near_resp = base & _match(df, "srcaddr", gw) & (dst_a | pdst_a) & ~src_b
                if port is not None and not icmp and "srcport" in df:
                    far_resp &= sp == port
                    near_resp &= sp == port
                c_rows, d_rows = _pair_legs(df, near_resp, far_resp, "srcport", "srcaddr")
                nat_leg = b_rows | d_rows
                leg_near = a_rows | c_rows
                req |= a_rows | b_rows
                resp |= c_rows | d_rows
    via_nat = bool(nat_leg.any()) or (bool(translated_b_side.any()) and _any_public(nets_b))
    via_tgw = bool(translated_a_side.any()) or (bool(translated_b_side.any()) and not via_nat)
    translated_b_side |= leg_near & ~nat_leg

    rows = req | resp
    evidence_idx = np.flatnonzero(rows)

    # ---- which side of each record is its ENI's own --------------------------------------
    side = np.zeros(n, dtype=np.int8)
    involved_enis: list[str] = []
    if len(evidence_idx) and "interface_id" in df:
        involved_enis = distinct(df["interface_id"], rows)
        # the ENI's own address is told by all its records, not only those about src and dst
        eni_rows = isin(full["interface_id"], involved_enis) & data_rows(full)
        cols = [
            c
            for c in ("interface_id", "srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr", "flow_direction")
            if c in full
        ]
        side_full = np.zeros(len(full), dtype=np.int8)
        side_full[eni_rows] = local_side(full.loc[eni_rows, cols])
        side = side_full[keep_idx]
    elif len(evidence_idx):
        side[evidence_idx] = local_side(
            df.iloc[evidence_idx][[c for c in ("srcaddr", "dstaddr", "flow_direction") if c in df]]
        )
    assumed = rows & (side == 0)
    if assumed.any() and "interface_id" in df:
        # the record does not say which side its ENI is on: ask the other records whose ENIs
        # src and dst are; a record on src's ENI, or not on dst's known ENI, is the source side
        known_a = _enis_of(full, nets_a, a_ep, exclude=nets_b)
        known_b = _enis_of(full, nets_b, b_ep, exclude=nets_a)
        on_a = assumed & isin(df["interface_id"], known_a)
        on_b = assumed & isin(df["interface_id"], known_b)
        source = on_a | (assumed & ~on_b & bool(known_b))
        side[source & req] = 1
        side[source & resp] = 2
        side[on_b & ~source & req] = 2
        side[on_b & ~source & resp] = 1
        assumed = rows & (side == 0)
    # a record whose ENI side is still unknown is read from the destination's ENI (the
    # usual vantage point of the AWS examples): request ingress, response egress
    egress = np.where(side == 1, True, np.where(side == 2, False, resp))

    # ---- the ENIs of src and dst (where the address is the ENI's own) --------------------
    def eni_of_rows(mask: np.ndarray) -> list:
        if "interface_id" not in df or not mask.any():
            return []
        return list(df["interface_id"][mask].dropna().unique())

    # from the evidence when it shows them (cheap), else searched in all records (only when needed)
    a_local = ((side == 1) & req & (src_a | psrc_a)) | ((side == 2) & resp & (dst_a | pdst_a))
    b_local = ((side == 2) & req & dst_b) | ((side == 1) & resp & src_b)
    a_enis = [a_ep.eni] if a_ep.eni else sorted({str(e) for e in eni_of_rows(a_local)})
    b_enis = [b_ep.eni] if b_ep.eni else sorted({str(e) for e in eni_of_rows(b_local)})

    # ---- evaluate per ENI ---------------------------------------------------------------
    action = _action_codes(df)
    accept, reject = action == 1, action == 2
    flags = int_array(df.get("tcp_flags"), n) if "tcp_flags" in df else None
    found: list[str] = []
    facts: dict[str, Any] = {"assumed_side": bool(assumed.any())}

    def on(mask: np.ndarray) -> list[str]:
        names = distinct(df["interface_id"], mask) if "interface_id" in df else []
        return names or ["the interface"]  # the format has no interface-id

    req_out_acc = req & egress & accept
    req_out_rej = req & egress & reject
    req_in_acc = req & ~egress & accept
    req_in_rej = req & ~egress & reject
    resp_out_acc = resp & egress & accept
    resp_out_rej = resp & egress & reject
    resp_in_acc = resp & ~egress & accept
    resp_in_rej = resp & ~egress & reject

    if "reject_reason" in df:
        bpa = rows & np.asarray(df["reject_reason"].astype(object) == "BPA", dtype=bool)
        if bpa.any():
            found.append("BLOCKED_BY_VPC_BPA")
            facts["bpa"] = on(bpa)
    else:
        bpa = np.zeros(n, dtype=bool)
    if (resp_out_rej & ~bpa).any():
        found.append("NACL_OUTBOUND_BLOCKS_RETURN")
        facts["nacl_out"] = on(resp_out_rej)
    if (resp_in_rej & ~bpa).any():
        found.append("NACL_INBOUND_BLOCKS_RETURN")
        facts["nacl_in"] = on(resp_in_rej)
    if (req_out_rej & ~bpa).any():
        found.append("OUTBOUND_BLOCKED_SG_OR_NACL")
        facts["out_blocked"] = on(req_out_rej)
    if (req_in_rej & ~bpa).any():
        found.append("INBOUND_BLOCKED_SG_OR_NACL")
        facts["in_blocked"] = on(req_in_rej)
    tcp = proto == 6 or (proto is None and "protocol" in df and rows.any() and (proto_arr[rows] == 6).all())
    answered = resp & accept
    direct = ~(nat_leg | translated_a_side | translated_b_side)
    if tcp and answered.any() and _refused(df, flags, req & accept, answered):
        found.append("CONNECTION_REFUSED")

    # the two directions on different interfaces: requests left the source through one ENI and
    # the responses came back through another, or requests arrived at the destination on one
    # ENI and the responses left through another (gateway interfaces' legs are not counted)
    def enis(mask: np.ndarray) -> set[str]:
        return set(distinct(df["interface_id"], mask)) if "interface_id" in df else set()

    sent_on, back_on = enis(req_out_acc & direct), enis(resp_in_acc & direct)
    recv_on, reply_on = enis(req_in_acc & direct), enis(resp_out_acc & direct)
    if sent_on and back_on and not (back_on & sent_on):
        found.append("ASYMMETRIC_PATH")
        facts["asym"] = ("source", sorted(sent_on), sorted(back_on))
    elif recv_on and reply_on and not (recv_on & reply_on):
        found.append("ASYMMETRIC_PATH")
        facts["asym"] = ("destination", sorted(recv_on), sorted(reply_on))
    request_passed = (req & accept).any()
    carried_data = tcp and _carried_data(df, req & accept)
    if request_passed and not resp.any() and carried_data:
        # TCP only sends data after the handshake: the responses exist, they are just not logged here
        facts["inferred_answer"] = True
        found.append("REACHABLE")
    elif request_passed and not resp.any():
        delivered = req_in_acc.any()
        arrived = (req & ~egress).any()
        if not b_enis and not arrived:
            b_enis = _enis_of(full, nets_b, b_ep, exclude=nets_a)
        b_logging = [e for e in b_enis if _logging(full, [e])]
        if not arrived and b_logging and "interface_id" in df:
            found.append("NOT_DELIVERED")
            facts["b_enis"] = b_logging
        elif not any(c in found for c in ("OUTBOUND_BLOCKED_SG_OR_NACL", "INBOUND_BLOCKED_SG_OR_NACL")):
            found.append("NO_RESPONSE")
            facts["delivered"] = delivered
    if "traffic_path" in df:
        tp = int_array(df["traffic_path"], n)
        igw = req & egress & np.isin(tp, (2, 8)) & ~_any_public_rows(df, req)
        if igw.any():
            found.append("UNEXPECTED_EGRESS_PATH")
            facts["igw"] = on(igw)
    if (answered.any() and request_passed) and not any(
        c in found
        for c in (
            "NACL_OUTBOUND_BLOCKS_RETURN",
            "NACL_INBOUND_BLOCKS_RETURN",
            "CONNECTION_REFUSED",
        )
    ):
        found.append("REACHABLE")
    if not rows.any():
        found.append("NO_TRAFFIC_SEEN")

    # ---- SKIPDATA ------------------------------------------------------------------------
    lo, hi = t0, t1
    if "start" in df and "end" in df and rows.any():
        lo = lo if lo is not None else df["start"][rows].min()
        hi = hi if hi is not None else df["end"][rows].max()
    skip_enis = _skipdata(full, None, lo, hi) if "interface_id" in full else []
    watch = set(involved_enis) | set(a_enis) | set(b_enis)
    if skip_enis and not watch & set(skip_enis):
        # is src's or dst's own ENI among those with skipped records? (searched there only)
        for eps, nets, other in ((a_ep, nets_a, nets_b), (b_ep, nets_b, nets_a)):
            if eps.eni is None:
                watch |= set(_enis_of(full, nets, eps, exclude=other, within=skip_enis))
    watch = sorted(watch)
    skipped = _skipdata(full, watch, lo, hi) if skip_enis or "interface_id" not in full else []
    if skipped:
        found.append("INCOMPLETE_DATA")
        facts["skipped"] = skipped

    order = list(VERDICTS)
    found = sorted(set(found), key=order.index)
    main = found[0]
    if "INCOMPLETE_DATA" in found and main in _ABSENCE:
        main = "INCOMPLETE_DATA"
    verdicts = [main, *[v for v in found if v != main]]
    if via_nat:
        verdicts.append("VIA_NAT_GATEWAY")
    if via_tgw:
        verdicts.append("VIA_TRANSIT_GATEWAY")

    evidence = full.iloc[keep_idx[evidence_idx]].copy()
    if len(evidence_idx):
        e = evidence_idx
        translated = translated_a_side[e] | translated_b_side[e]
        leg = np.where(nat_leg[e], 2, np.where(translated, 1, 0))
        role = np.where(req[e], 0, 2) + np.where(egress[e], 0, 1)
        evidence["role"] = pd.Categorical.from_codes(
            role, categories=["request egress", "request ingress", "response egress", "response ingress"]
        )
        evidence["leg"] = pd.Categorical.from_codes(leg, categories=["direct", "translated", "nat"])
        if "start" in evidence:
            evidence = evidence.sort_values("start", kind="stable")
    ctx = _Context(
        a=a_ep,
        b=b_ep,
        addrs_a=addrs_a,
        addrs_b=addrs_b,
        port=port,
        proto=proto,
        df=df,
        req=req,
        resp=resp,
        a_enis=a_enis,
        b_enis=b_enis,
        facts=facts,
        via_nat=via_nat,
        via_tgw=via_tgw,
        sp=sp,
        dp=dp,
    )
    return Diagnosis(
        verdict=main,
        verdicts=tuple(verdicts),
        explanation=_explain(main, verdicts, ctx),
        evidence=evidence,
        next_steps=tuple(_next_steps(main, verdicts, ctx)),
        question=question,
        details=facts,
    )


# ---- helpers of diagnose ----------------------------------------------------------------------


@dataclass
class _Context:
    a: Endpoint
    b: Endpoint
    addrs_a: list[str]
    addrs_b: list[str]
    port: int | None
    proto: int | None
    df: pd.DataFrame
    req: np.ndarray
    resp: np.ndarray
    a_enis: list[str]
    b_enis: list[str]
    facts: dict[str, Any]
    via_nat: bool
    via_tgw: bool
    sp: np.ndarray
    dp: np.ndarray

    @property
    def a_text(self) -> str:
        return f"{self.a} ({', '.join(self.addrs_a)})" if self.a.eni and self.addrs_a else str(self.a)

    @property
    def b_text(self) -> str:
        return f"{self.b} ({', '.join(self.addrs_b)})" if self.b.eni and self.addrs_b else str(self.b)

    @property
    def proto_name(self) -> str:
        if self.proto is not None:
            return protocol_label(self.proto)
        rows = self.req | self.resp
        if "protocol" in self.df and rows.any():
            vals = self.df["protocol"][rows].dropna().unique()
            if len(vals) == 1:
                return protocol_label(int(vals[0]))
        return "the traffic"

    @property
    def is_icmp(self) -> bool:
        return self.proto_name in ("ICMP", "ICMPv6")

    @property
    def service(self) -> str:
        if self.is_icmp:
            return self.proto_name
        port = self.port
        if port is None and self.req.any() and "dstport" in self.df:
            ports = pd.unique(self.dp[self.req & (self.dp >= 0)])
            if len(ports) == 1:
                port = int(ports[0])
        if port is not None:
            return f"{self.proto_name} port {port}"
        return self.proto_name if self.proto_name != "the traffic" else "any port"

    def subnet(self, eni: str) -> str:
        if "subnet_id" in self.df and "interface_id" in self.df:
            vals = self.df.loc[self.df["interface_id"] == eni, "subnet_id"].dropna().unique()
            if len(vals):
                return f"subnet {vals[0]} ({eni})"
        return f"the subnet of {eni}"

    def client_ports(self) -> str:
        if self.is_icmp or "srcport" not in self.df:
            return ""
        ports = self.sp[self.req & (self.sp >= 0)]
        if not len(ports):
            return ""
        lo, hi = int(ports.min()), int(ports.max())
        return f" (the client used port {lo})" if lo == hi else f" (the client used ports {lo}-{hi})"


def _question(a: Endpoint, b: Endpoint, port: int | None, proto: int | None, t0: Any, t1: Any) -> str:
    what = protocol_label(proto) if proto is not None else ""
    if port is not None and proto not in _ICMP:
        what = f"{what} port {port}".strip()
    q = f"Can {a} reach {b}" + (f" on {what}" if what else "") + "?"
    if t0 is not None or t1 is not None:
        q += f" (from {t0 if t0 is not None else 'the start'} to {t1 if t1 is not None else 'the end'})"
    return q


#: Bytes per packet of a TCP segment with no payload and no options: a RST (a SYN-ACK
#: carries the MSS option, so it is longer). IPv4 and IPv6 headers, plus 20 bytes of TCP.
_RST_SIZES = (40, 60)
#: Largest bytes per packet of a request that carries no data: SYNs with options (60 IPv4, 80 IPv6).
_SYN_MAX = 80


def _refused(df: pd.DataFrame, flags: np.ndarray | None, requests: np.ndarray, answers: np.ndarray) -> bool:
    """Did the server answer with resets only? From tcp-flags (RST, never SYN-ACK) when the format has
    them; otherwise from sizes: every answer packet a bare 40-byte header (60 for IPv6) and no data sent."""
    if flags is not None and (flags[answers] >= 0).any():
        f = flags[answers]
        rst = (f >= 0) & (f & 4 == 4)
        synack = (f >= 0) & (f & 18 == 18)
        return bool(rst.any() and not synack.any())
    if "packets" not in df or "bytes" not in df:
        return False
    rows = np.flatnonzero(answers)
    pk = df["packets"].iloc[rows].to_numpy(dtype=np.float64, na_value=0.0)
    by = df["bytes"].iloc[rows].to_numpy(dtype=np.float64, na_value=0.0)
    ok = pk > 0
    if not ok.any():
        return False
    v6 = np.array([":" in str(v) for v in df["srcaddr"].iloc[rows].astype(object)], dtype=bool)
    bare = np.where(v6, _RST_SIZES[1], _RST_SIZES[0]) * pk
    if not np.all(by[ok] == bare[ok]):
        return False
    return not _carried_data(df, requests)


def _carried_data(df: pd.DataFrame, requests: np.ndarray) -> bool:
    """Did the client send data (more bytes per packet than a SYN) in most request records?
    Then the handshake had completed: TCP sends data only after the SYN-ACK."""
    if "packets" not in df or "bytes" not in df or not requests.any():
        return False
    rows = np.flatnonzero(requests)
    pk = df["packets"].iloc[rows].to_numpy(dtype=np.float64, na_value=0.0)
    by = df["bytes"].iloc[rows].to_numpy(dtype=np.float64, na_value=0.0)
    ok = pk > 0
    # most records, not one: a lone odd-sized packet (a retransmission with data, a middlebox)
    # is no proof of a completed handshake
    return bool(ok.any() and (by[ok] / pk[ok] > _SYN_MAX).mean() > 0.5)


def _address_set(col: pd.Series) -> list:
    """The distinct addresses of a column, as single-address networks."""
    import ipaddress

    out = []
    for v in col.dropna().unique():
        try:
            out.append(ipaddress.ip_network(str(v)))
        except ValueError:
            continue
    return out


#: Seconds between the start (and end) times of a gateway's two legs of one flow.
_LEG_TIME_S = 5
#: Share of the flows sent to a candidate gateway that must pair with a leg out of it.
_LEG_SHARE = 0.5


def _pair_legs(
    df: pd.DataFrame, near: np.ndarray, far: np.ndarray, port_col: str, gw_col: str
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``near`` and ``far`` that are the two legs of one translated flow.

    Same interface, ``port_col``, protocol, packets and bytes (a NAT gateway
    changes addresses and ports, not packets), start and end within a few
    seconds. A host that merely talks to both sides matches now and then by
    chance (SYN-only records look alike); a gateway matches almost always: the
    pairs count only where at least half the flows into the candidate gateway
    (its address in ``gw_col`` of the near rows, on one interface) found a twin.
    """
    n = len(df)
    out_near = np.zeros(n, dtype=bool)
    out_far = np.zeros(n, dtype=bool)
    if not near.any() or not far.any():
        return out_near, out_far
    keys = [c for c in ("interface_id", port_col, "protocol", "packets", "bytes") if c in df]
    times = [c for c in ("start", "end") if c in df]
    group = [c for c in ("interface_id", gw_col) if c in df]
    a = df.loc[near, list(dict.fromkeys(keys + times + group))].reset_index(drop=True)
    a["_row"] = np.flatnonzero(near)
    b = df.loc[far, keys + times].reset_index(drop=True)
    b["_row"] = np.flatnonzero(far)
    if keys:
        m = a.merge(b, on=keys, suffixes=("_near", "_far"))
    else:
        m = a.merge(b, how="cross", suffixes=("_near", "_far"))
    for t in times:
        m = m[(m[f"{t}_near"] - m[f"{t}_far"]).abs() <= pd.Timedelta(seconds=_LEG_TIME_S)]
    if len(m) and group:
        gcols = [g if g in keys else f"{g}_near" if f"{g}_near" in m else g for g in group]
        matched = m.drop_duplicates("_row_near").groupby(gcols, observed=True, dropna=False).size()
        total = a.groupby(group, observed=True, dropna=False).size()
        total.index.names = matched.index.names
        share = (matched / total.reindex(matched.index)).fillna(0)
        good = share[share >= _LEG_SHARE].index
        key = pd.MultiIndex.from_frame(m[gcols]) if len(gcols) > 1 else pd.Index(m[gcols[0]])
        m = m[np.asarray(key.isin(good), dtype=bool)]
    out_near[m["_row_near"].to_numpy()] = True
    out_far[m["_row_far"].to_numpy()] = True
    return out_near, out_far


def _any_public(nets: list) -> bool:
    """Is any of these networks public (neither private, shared, link-local nor loopback)?"""
    return any(not _net_private(n) for n in nets)


def _net_private(net: Any) -> bool:
    from ._addresses import _scope

    return _scope(str(net.network_address)) in ("private", "shared", "link-local", "loopback")


def _any_public_rows(df: pd.DataFrame, mask: np.ndarray) -> np.ndarray:
    """Per record: is the request's real destination (pkt_dstaddr, else dstaddr) public?"""
    col = "pkt_dstaddr" if "pkt_dstaddr" in df else "dstaddr"
    out = np.zeros(len(df), dtype=bool)
    if mask.any():
        out[mask] = np.asarray(scope_of(df[col][mask]).astype(object) == "public", dtype=bool)
    return out


def _action_codes(df: pd.DataFrame) -> np.ndarray:
    """1 ACCEPT, 2 REJECT, 0 missing."""
    if "action" not in df:
        return np.ones(len(df), dtype=np.int8)  # no action field: traffic that was logged passed
    codes, values = codes_and_values(df["action"])
    table = np.array([1 if v == "ACCEPT" else 2 if v == "REJECT" else 0 for v in values] + [0], dtype=np.int8)
    return table[np.where(codes < 0, len(values), codes)]


def _enis_of(
    df: pd.DataFrame, nets: list, ep: Endpoint, exclude: list, within: list[str] | None = None
) -> list[str]:
    """ENIs whose own address is in ``nets`` (or the ENI itself when ``ep`` is an ENI id),
    looking only at the ENIs ``within`` when given."""
    if ep.eni is not None:
        return [ep.eni]
    if "interface_id" not in df or not nets:
        return []
    rows = data_rows(df)
    if within is not None:
        rows &= isin(df["interface_id"], within)
    s_in = _match(df, "srcaddr", nets)
    d_in = _match(df, "dstaddr", nets)
    cand = rows & (s_in | d_in) & ~_match(df, "srcaddr", exclude) & ~_match(df, "dstaddr", exclude)
    if not cand.any():
        return []
    enis = df["interface_id"][cand].dropna().unique()
    eni_rows = isin(df["interface_id"], list(enis)) & rows
    cols = [
        c
        for c in ("interface_id", "srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr", "flow_direction")
        if c in df
    ]
    side = np.zeros(len(df), dtype=np.int8)
    side[eni_rows] = local_side(df.loc[eni_rows, cols])
    own = eni_rows & (((side == 1) & s_in) | ((side == 2) & d_in))
    return sorted({str(e) for e in df["interface_id"][own].dropna().unique()})


def _logging(df: pd.DataFrame, enis: list[str]) -> bool:
    """Did these ENIs write any record at all (so they were being logged)?"""
    if "interface_id" not in df or not enis:
        return False
    return bool(isin(df["interface_id"], enis).any())


def _skipdata(df: pd.DataFrame, enis: list[str] | None, lo: Any, hi: Any) -> list[str]:
    """ENIs (of ``enis``, or any when None) with SKIPDATA records between ``lo`` and ``hi``
    (give or take one aggregation interval; either may be None: unbounded)."""
    if "log_status" not in df:
        return []
    skip = isin(df["log_status"], ["SKIPDATA"])
    if not skip.any():
        return []
    if "start" in df and "end" in df:
        rows = np.flatnonzero(skip)  # few: compare times on those only
        keep = np.ones(len(rows), dtype=bool)
        slack = pd.Timedelta(seconds=_LEG_SLACK_S)
        if lo is not None and not pd.isna(lo):
            keep &= np.asarray(df["end"].iloc[rows].fillna(lo) >= lo - slack, dtype=bool)
        if hi is not None and not pd.isna(hi):
            keep &= np.asarray(df["start"].iloc[rows].fillna(hi) <= hi + slack, dtype=bool)
        skip[rows[~keep]] = False
    if "interface_id" in df and enis is None:
        return distinct(df["interface_id"], skip)
    if "interface_id" in df and enis:
        return distinct(df["interface_id"], skip & isin(df["interface_id"], enis))
    return ["(an ENI of these records)"] if skip.any() else []


def _reachability_command(ctx: _Context) -> str:
    src = ctx.a.eni or (ctx.a_enis[0] if len(ctx.a_enis) == 1 else f"<ENI or instance id of {ctx.a}>")
    parts = ["aws", "ec2", "create-network-insights-path", "--source", src]
    dst_eni = ctx.b.eni or (ctx.b_enis[0] if len(ctx.b_enis) == 1 else None)
    if dst_eni:
        parts += ["--destination", dst_eni]
    if ctx.b.network is not None and ctx.b.is_single_address:
        parts += ["--destination-ip", str(ctx.b.network.network_address)]
    elif ctx.addrs_b:
        parts += ["--destination-ip", ctx.addrs_b[0]]
    proto = "udp" if ctx.proto_name == "UDP" else "tcp"
    parts += ["--protocol", proto]
    if ctx.port is not None and not ctx.is_icmp:
        parts += ["--destination-port", str(ctx.port)]
    elif not ctx.is_icmp and ctx.req.any() and "dstport" in ctx.df:
        ports = pd.unique(ctx.dp[ctx.req & (ctx.dp >= 0)])
        if len(ports) == 1:
            parts += ["--destination-port", str(int(ports[0]))]
    return " ".join(p if p.startswith("<") else shlex.quote(p) for p in parts)


def _explain(main: str, verdicts: Sequence[str], ctx: _Context) -> str:
    a, b, svc = ctx.a_text, ctx.b_text, ctx.service
    f = ctx.facts
    lo, hi = EPHEMERAL_NACL
    eph = "" if ctx.is_icmp else f" on ports {lo}-{hi}"
    proto = ctx.proto_name
    s: list[str] = []
    if main == "BLOCKED_BY_VPC_BPA":
        s.append(
            f"Traffic between {a} and {b} was rejected with reject-reason BPA on {', '.join(f['bpa'])}: "
            "VPC Block Public Access blocks internet traffic to and from this VPC or subnet."
        )
        s.append(
            "Security groups and network ACLs are not the cause; add a BPA exclusion for the subnet or VPC if the traffic is intended."
        )
    elif main == "NACL_OUTBOUND_BLOCKS_RETURN":
        enis = f["nacl_out"]
        s.append(
            f"The request from {a} to {b} ({svc}) was accepted, but the response was rejected leaving "
            f"{', '.join(enis)}."
        )
        s.append(
            "Security groups are stateful and always let the response to an accepted request out, so a network ACL "
            "is dropping it."
        )
        s.append(
            f"The network ACL of {ctx.subnet(enis[0])} must allow outbound {proto} to {ctx.a}{eph}"
            f"{ctx.client_ports()}."
        )
    elif main == "NACL_INBOUND_BLOCKS_RETURN":
        enis = f["nacl_in"]
        s.append(
            f"The request from {a} to {b} ({svc}) left and was answered, but the response was rejected arriving "
            f"at {', '.join(enis)}."
        )
        s.append(
            "Security groups are stateful and always let the response to an accepted request in, so a network ACL "
            "is dropping it."
        )
        s.append(
            f"The network ACL of {ctx.subnet(enis[0])} must allow inbound {proto} from {ctx.b}{eph}"
            f"{ctx.client_ports()}."
        )
    elif main == "OUTBOUND_BLOCKED_SG_OR_NACL":
        enis = f["out_blocked"]
        s.append(f"The request from {a} to {b} ({svc}) was rejected leaving {', '.join(enis)}.")
        s.append(
            "A single REJECT cannot say whether the security group's outbound rules or the network ACL's outbound "
            f"rules of {ctx.subnet(enis[0])} dropped it: check both, or let Reachability Analyzer name the rule."
        )
    elif main == "INBOUND_BLOCKED_SG_OR_NACL":
        enis = f["in_blocked"]
        s.append(f"The request from {a} to {b} ({svc}) was rejected arriving at {', '.join(enis)}.")
        s.append(
            "A single REJECT cannot say whether the security group's inbound rules or the network ACL's inbound "
            f"rules of {ctx.subnet(enis[0])} dropped it: the security group must allow {svc} from {ctx.a}, and so "
            "must the network ACL; Reachability Analyzer can name the rule."
        )
    elif main == "CONNECTION_REFUSED":
        s.append(
            f"{b} answered {a}'s connection attempts on {svc} with a TCP reset (RST) and never with SYN-ACK: "
            "the network path is open, but nothing listens on that port."
        )
        s.append(
            "Check that the service runs and listens on the right address and port on the destination host."
        )
    elif main == "ASYMMETRIC_PATH":
        where, one, other = f["asym"]
        if where == "source":
            s.append(
                f"Requests from {a} to {b} ({svc}) left through {', '.join(one)}, but the responses came back "
                f"through {', '.join(other)}."
            )
        else:
            s.append(
                f"Requests from {a} to {b} ({svc}) arrived on {', '.join(one)}, but the responses left through "
                f"{', '.join(other)}."
            )
        s.append(
            "Route tables send the two directions different ways (another interface, a firewall appliance or a "
            "different gateway); stateful devices on one path drop what they did not see start. Make the routes "
            "symmetric."
        )
    elif main == "NOT_DELIVERED":
        s.append(
            f"The request from {a} to {b} ({svc}) left the source accepted, but {', '.join(f['b_enis'])}, which "
            "holds the destination address and was writing flow logs, never recorded it."
        )
        s.append(
            "Something between drops it before any security group or network ACL of the destination sees it: a "
            "missing or blackhole route, a wrong target, a firewall or gateway on the path."
        )
    elif main == "NO_RESPONSE":
        if f.get("delivered"):
            s.append(
                f"The request from {a} to {b} ({svc}) reached the destination's interface and was accepted, but no "
                "response was ever logged."
            )
            s.append(
                "The security groups and network ACLs let it in; the host did not answer (service down, a host "
                "firewall, or a UDP service that stays silent)."
            )
        else:
            s.append(
                f"The request from {a} to {b} ({svc}) left the source accepted, and no response was ever logged; "
                "the destination's interface is not in these records."
            )
            s.append(
                "Either the destination did not answer, or something beyond the source drops the traffic (routes, "
                "gateways, the remote side's firewall)."
            )
    elif main == "UNEXPECTED_EGRESS_PATH":
        s.append(
            f"Traffic from {a} to the private address {b} left through an internet gateway (traffic-path 2 or 8) "
            f"on {', '.join(f['igw'])}."
        )
        s.append(
            "Private destinations should be reached through the VPC, a peering, a transit gateway or a VPN; check the route table."
        )
    elif main == "REACHABLE" and f.get("inferred_answer"):
        s.append(
            f"{a} reaches {b} ({svc}): the requests were accepted and carried data, which TCP sends only after "
            "the server has answered the handshake."
        )
        s.append(
            "The responses themselves are not in these records (the other interface is not logged here)."
        )
    elif main == "REACHABLE":
        s.append(f"{a} reaches {b} ({svc}): requests and responses were both accepted.")
    elif main == "INCOMPLETE_DATA":
        s.append(
            f"Records were skipped (SKIPDATA) on {', '.join(f['skipped'])} in this window, so not seeing traffic "
            f"between {a} and {b} proves nothing."
        )
        rest = [v for v in verdicts if v in VERDICTS and v != main]
        if rest:
            s.append(f"With the records there are, it looks like {rest[0]}: {VERDICTS[rest[0]]}.")
    elif main == "NO_TRAFFIC_SEEN" and ((ctx.a.eni and not ctx.addrs_a) or (ctx.b.eni and not ctx.addrs_b)):
        missing = [str(e.eni) for e, ad in ((ctx.a, ctx.addrs_a), (ctx.b, ctx.addrs_b)) if e.eni and not ad]
        s.append(f"{' and '.join(missing)} has no traffic records in the data, so its address is unknown.")
        s.append("Check the interface id, the time range, and that the flow log covers that interface.")
    elif main == "NO_TRAFFIC_SEEN":
        s.append(
            f"No record in the data shows traffic from {a} to {b}"
            + (f" ({svc})." if svc != "the traffic" else ".")
        )
        s.append(
            "Either nothing was sent, the time window or interfaces logged do not cover it, or the traffic is of a "
            "kind flow logs never record (Amazon DNS, instance metadata, time sync, DHCP)."
        )
    if ctx.via_nat and main not in ("NO_TRAFFIC_SEEN",):
        s.append(
            "The traffic goes through a NAT gateway: its records carry the original addresses in pkt-srcaddr and "
            "pkt-dstaddr, and its leg to the destination was joined on address, port and time."
        )
    if ctx.via_tgw and main not in ("NO_TRAFFIC_SEEN",):
        s.append(
            "The traffic crosses a transit gateway: its interfaces write their own address in srcaddr/dstaddr and "
            "the original ones in pkt-srcaddr/pkt-dstaddr."
        )
    if ctx.facts.get("assumed_side") and main not in ("REACHABLE", "NO_TRAFFIC_SEEN"):
        s.append(
            "Some records do not say which side their interface is on (no flow-direction field); they were read "
            "from the destination's interface, as in the AWS examples."
        )
    return " ".join(s[:5])


def _next_steps(main: str, verdicts: Sequence[str], ctx: _Context) -> list[str]:
    f = ctx.facts
    steps: list[str] = []
    cmd = _reachability_command(ctx)
    analyse = "aws ec2 start-network-insights-analysis --network-insights-path-id <NetworkInsightsPathId from the output>"
    if main == "NACL_OUTBOUND_BLOCKS_RETURN" or main == "NACL_INBOUND_BLOCKS_RETURN":
        key = "nacl_out" if main == "NACL_OUTBOUND_BLOCKS_RETURN" else "nacl_in"
        eni = f[key][0]
        subnet = _subnet_id(ctx, eni)
        if subnet:
            steps.append(
                f"aws ec2 describe-network-acls --filters Name=association.subnet-id,Values={subnet}"
            )
        else:
            steps.append(
                f"aws ec2 describe-network-interfaces --network-interface-ids {_eni_arg(eni)} "
                "--query 'NetworkInterfaces[].SubnetId'"
            )
        way = "outbound" if main == "NACL_OUTBOUND_BLOCKS_RETURN" else "inbound"
        lo, hi = EPHEMERAL_NACL
        steps.append(
            f"Add an {way} rule allowing {ctx.proto_name} "
            + ("" if ctx.is_icmp else f"ports {lo}-{hi} ")
            + f"{'to' if way == 'outbound' else 'from'} {ctx.a if way == 'outbound' else ctx.b}, numbered below any deny that matches."
        )
    elif main in ("OUTBOUND_BLOCKED_SG_OR_NACL", "INBOUND_BLOCKED_SG_OR_NACL"):
        key = "out_blocked" if main.startswith("OUTBOUND") else "in_blocked"
        eni = f[key][0]
        steps.append(
            f"aws ec2 describe-network-interfaces --network-interface-ids {_eni_arg(eni)} "
            "--query 'NetworkInterfaces[].[SubnetId,Groups]'"
        )
        steps.append(
            "Check the security group rules and the subnet's network ACL rules for this traffic, or let Reachability Analyzer say which:"
        )
        steps += [cmd, analyse]
    elif main == "CONNECTION_REFUSED":
        steps.append(f"On {ctx.b}: check that the service listens (ss -ltnp / netstat -an) on {ctx.service}.")
    elif main in ("NO_RESPONSE", "NOT_DELIVERED", "ASYMMETRIC_PATH", "INCOMPLETE_DATA", "NO_TRAFFIC_SEEN"):
        if main == "ASYMMETRIC_PATH" or main == "NOT_DELIVERED":
            steps.append(
                "Compare the route tables of both subnets: aws ec2 describe-route-tables --filters Name=association.subnet-id,Values=<subnet>"
            )
        if main == "INCOMPLETE_DATA":
            steps.append(
                "Read the records of a window without SKIPDATA (flownb.coverage(df) shows which windows are complete)."
            )
        if main == "NO_TRAFFIC_SEEN":
            steps.append(
                "Check the time window and that flow logs are enabled on both interfaces (flownb.coverage(df))."
            )
        if main == "NO_RESPONSE":
            steps.append(
                f"On {ctx.b}: check that the service runs and that no host firewall drops {ctx.service}."
            )
        steps.append("Reachability Analyzer checks the configuration along the path:")
        steps += [cmd, analyse]
    elif main == "BLOCKED_BY_VPC_BPA":
        steps.append("aws ec2 describe-vpc-block-public-access-options")
        steps.append("aws ec2 describe-vpc-block-public-access-exclusions")
    elif main == "UNEXPECTED_EGRESS_PATH":
        steps.append(
            "aws ec2 describe-route-tables --filters Name=association.subnet-id,Values=<the source's subnet>"
        )
    if ctx.is_icmp and cmd in steps:
        steps.append(
            "Reachability Analyzer analyses TCP and UDP only: test the ping's path with the port of a service."
        )
    return steps


def _eni_arg(eni: str) -> str:
    return eni if eni.startswith("eni-") else "<eni-id>"


def _subnet_id(ctx: _Context, eni: str) -> str | None:
    if "subnet_id" in ctx.df and "interface_id" in ctx.df:
        vals = ctx.df.loc[ctx.df["interface_id"] == eni, "subnet_id"].dropna().unique()
        if len(vals):
            return str(vals[0])
    return None


# ---- one-way flows, rejections, coverage ------------------------------------------------------


def one_way_flows(df: pd.DataFrame) -> pd.DataFrame:
    """Requests that got no response: conversations logged in one direction only.

    Parameters
    ----------
    df : DataFrame
        Flow log records.

    Returns
    -------
    DataFrame
        The rows of :func:`flownb.conversations` with traffic towards the server
        and none back (``action_to_client`` missing), most packets first.

    Examples
    --------
    >>> import flownb
    >>> df = flownb.samples.load("aws-docs/default-accept-reject")
    >>> flownb.analysis.one_way_flows(df)[["client", "server", "server_port", "action_to_server"]]
              client        server  server_port action_to_server
    0  172.31.16.139  172.31.16.21           22           ACCEPT
    1    172.31.9.69   172.31.9.12         3389           REJECT
    """
    from .traffic import conversations

    conv = conversations(df)
    one = conv[conv["action_to_server"].notna() & conv["action_to_client"].isna()]
    return one.sort_values(
        ["packets_to_server", "first"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


_CAUSES = {
    "bpa": "VPC Block Public Access",
    "response egress": "network ACL outbound rules (return traffic; security groups are stateful)",
    "response ingress": "network ACL inbound rules (return traffic; security groups are stateful)",
    "request egress": "security group or network ACL outbound rules",
    "request ingress": "security group or network ACL inbound rules",
    "request unknown": "security group or network ACL",
    "response unknown": "network ACL (return traffic)",
}


def rejections(df: pd.DataFrame) -> pd.DataFrame:
    """Rejected traffic grouped by ENI, source, port and direction, with its likely cause.

    A rejected *response* (the server's side of a conversation) is a network ACL:
    security groups always let responses to accepted requests through. A rejected
    *request* is a security group or a network ACL; the records cannot say which.

    Parameters
    ----------
    df : DataFrame
        Flow log records with ``action``.

    Returns
    -------
    DataFrame
        ``interface_id``, ``srcaddr``, ``port`` (the server's port), ``protocol``,
        ``direction`` (ingress/egress for the ENI), ``kind`` (request/response),
        ``records``, ``packets``, ``bytes``, ``destinations`` (distinct),
        ``first``, ``last``, ``likely_cause``; most records first.

    Examples
    --------
    >>> import flownb
    >>> r = flownb.analysis.rejections(flownb.samples.load("aws-docs/sg-nacl-ping"))
    >>> r[["srcaddr", "direction", "kind"]]
             srcaddr direction      kind
    0  172.31.16.139    egress  response
    >>> r.loc[0, "likely_cause"]
    'network ACL outbound rules (return traffic; security groups are stateful)'
    """
    require(df, ["srcaddr", "dstaddr", "action"], "rejections()")
    from .traffic import _pairing

    n = len(df)
    rej = np.asarray(df["action"] == "REJECT", dtype=bool) & data_rows(df)
    p = _pairing(df)
    to_server = np.ones(n, dtype=bool)
    if p is not None:
        to_server[p["idx"]] = p["to_server"]
    cols = [
        c
        for c in ("interface_id", "srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr", "flow_direction")
        if c in df
    ]
    sub = df.loc[rej]
    side = local_side(df[cols])[rej] if rej.any() else np.zeros(0, dtype=np.int8)
    sp = int_array(df.get("srcport"), n)[rej]
    dp = int_array(df.get("dstport"), n)[rej]
    ts = to_server[rej]
    direction = np.array([None, "egress", "ingress"], dtype=object)[side]
    kind = np.where(ts, "request", "response")
    key = np.where(
        side == 0,
        np.char.add(kind.astype(str), " unknown"),
        np.char.add(np.char.add(kind.astype(str), " "), np.where(side == 1, "egress", "ingress")),
    )
    cause = pd.Series(key).map(_CAUSES).to_numpy(dtype=object)
    if "reject_reason" in df:
        cause = np.where(
            np.asarray(sub["reject_reason"].astype(object) == "BPA", dtype=bool), _CAUSES["bpa"], cause
        )
    work = pd.DataFrame(
        {
            "interface_id": sub["interface_id"].astype(object).to_numpy() if "interface_id" in df else None,
            "srcaddr": sub["srcaddr"].astype(object).to_numpy(),
            "dstaddr": sub["dstaddr"].astype(object).to_numpy(),
            "port": pd.array(np.where(ts, dp, sp), dtype="Int64"),
            "protocol": sub["protocol"].to_numpy(dtype=object) if "protocol" in df else None,
            "direction": direction,
            "kind": kind,
            "likely_cause": cause,
            "packets": float_array(sub.get("packets"), len(sub)),
            "bytes": float_array(sub.get("bytes"), len(sub)),
            "start": sub["start"].to_numpy() if "start" in df else pd.NaT,
            "end": sub["end"].to_numpy() if "end" in df else pd.NaT,
        }
    )
    work["port"] = work["port"].where(work["port"] >= 0)
    keys = ["interface_id", "srcaddr", "port", "protocol", "direction", "kind", "likely_cause"]
    out = (
        work.groupby(keys, dropna=False, sort=False)
        .agg(
            records=("srcaddr", "size"),
            packets=("packets", "sum"),
            bytes=("bytes", "sum"),
            destinations=("dstaddr", "nunique"),
            first=("start", "min"),
            last=("end", "max"),
        )
        .reset_index()
    )
    out["packets"] = out["packets"].astype("UInt64")
    out["bytes"] = out["bytes"].astype("UInt64")
    out["port"] = out["port"].astype("UInt16")
    if "protocol" in df:
        out["protocol"] = out["protocol"].astype("UInt8")
    for c in ("interface_id", "srcaddr", "direction", "kind", "likely_cause"):
        out[c] = out[c].astype("category")
    out = out[[*keys[:6], "records", "packets", "bytes", "destinations", "first", "last", "likely_cause"]]
    return out.sort_values(["records", "packets"], ascending=False, kind="stable").reset_index(drop=True)


def coverage(df: pd.DataFrame, freq: str = "10min") -> pd.DataFrame:
    """Per ENI and time window: were flow logs complete? OK, NODATA, SKIPDATA or GAP.

    ``SKIPDATA`` (some records were skipped: capacity or an internal error) wins
    over ``OK``; ``NODATA`` means the ENI was logged and quiet; ``GAP`` means no
    record at all, not even NODATA: the ENI was not logged then (flow log created
    later, deleted, or delivery missing).

    Parameters
    ----------
    df : DataFrame
        Flow log records with ``interface_id``, ``start`` and ``log_status``.
    freq : str, default "10min"
        Window width; 10 minutes is the default (and longest) aggregation interval.

    Returns
    -------
    DataFrame
        ``interface_id``, ``window`` (start, UTC), ``status``, ``records``,
        ``ok``, ``nodata``, ``skipdata``: one row per ENI and window from the
        first to the last record.

    Examples
    --------
    >>> import flownb
    >>> flownb.analysis.coverage(flownb.samples.load("aws-docs/nodata-skipdata"))[["interface_id", "status"]]
                interface_id    status
    0  eni-1235b8ca123456789    NODATA
    1  eni-11111111aaaaaaaaa  SKIPDATA
    """
    require(df, ["interface_id", "start"], "coverage()")
    from .traffic import _freq_seconds

    f = _freq_seconds(freq)
    n = len(df)
    eni, enis = codes_and_values(df["interface_id"])
    st = seconds(df["start"])
    ok_t = st != np.iinfo(np.int64).min
    valid = (eni >= 0) & ok_t
    cols = ["interface_id", "window", "status", "records", "ok", "nodata", "skipdata"]
    if not valid.any():
        return pd.DataFrame({c: [] for c in cols})
    w = st // f
    w0, w1 = int(w[valid].min()), int(w[valid].max())
    nw = w1 - w0 + 1
    ne = len(enis)
    present = np.unique(eni[valid])
    pos = np.searchsorted(present, eni)
    key = pos * nw + (w - w0)
    if "log_status" in df:
        ls = df["log_status"].astype(object).to_numpy()
        status = np.where(ls == "NODATA", 1, np.where(ls == "SKIPDATA", 2, 0))
    else:
        status = np.zeros(n, dtype=np.int64)
    size = len(present) * nw
    total = np.bincount(key[valid], minlength=size)
    okc = np.bincount(key[valid & (status == 0)], minlength=size)
    nod = np.bincount(key[valid & (status == 1)], minlength=size)
    skp = np.bincount(key[valid & (status == 2)], minlength=size)
    label = np.where(skp > 0, "SKIPDATA", np.where(okc > 0, "OK", np.where(nod > 0, "NODATA", "GAP")))
    del ne
    out = pd.DataFrame(
        {
            "interface_id": pd.Categorical.from_codes(np.repeat(present, nw), categories=enis),
            "window": pd.to_datetime(
                (np.tile(np.arange(nw), len(present)) + w0) * f, unit="s", utc=True
            ).as_unit("s"),
            "status": pd.Categorical(label, categories=["OK", "NODATA", "SKIPDATA", "GAP"]),
            "records": total.astype(np.int64),
            "ok": okc.astype(np.int64),
            "nodata": nod.astype(np.int64),
            "skipdata": skp.astype(np.int64),
        }
    )
    return out
