"""Brute force: many short connections to a remote-login port."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from flownb._durations import duration_seconds
from flownb._units import span_text
from flownb.analysis._flows import Flows, factorize, key, nunique

from ._checks import _ports, _positive
from ._findings import _RAW_COLUMNS, _WHY_COLUMNS
from ._registry import register
from ._selections import _accepted_tcp_requests, _enough, _in, _take
from ._windows import _episodes, _fire_windows

_BRUTE_LABELS = {22: "UnauthorizedAccess:EC2/SSHBruteForce", 3389: "UnauthorizedAccess:EC2/RDPBruteForce"}
_BRUTE_NAMES = {22: "SSH", 3389: "RDP", 5985: "WinRM", 5986: "WinRM"}


@register(_accepted_tcp_requests)
def brute_force(
    f: Flows,
    *,
    min_connections: int = 20,
    window: str = "5min",
    ports: Sequence[int] = (22, 3389, 5985, 5986),
    max_packets: int = 100,
    slow_window: str | None = "1h",
    slow_min_connections: int = 50,
):
    """Many short connections from one source to the remote-login port of one host.

    A password-guessing tool opens a new TCP connection (a new source port) for
    every few guesses; each stays short. Counts the accepted connections from
    one source to one host's SSH, RDP or WinRM port within ``window`` whose
    client side sent at most ``max_packets`` packets. Rejected attempts never
    reached the service: ``reject_spike`` and the scan detectors report them.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    min_connections : int, default 20
        Short connections that make a brute force attempt. flownb's own
        choice (tens of login attempts within minutes; a person retyping a
        password makes a handful).
    window : str, default "5min"
        Time window. flownb's own choice.
    ports : list of int, default (22, 3389, 5985, 5986)
        Remote login ports: SSH and RDP, which GuardDuty's brute force findings
        watch, and WinRM over HTTP and HTTPS (flownb's own choice).
    max_packets : int, default 100
        Client packets of a "short" connection (a failed SSH login takes about
        20-40). flownb's own choice.
    slow_window : str or None, default "1h"
        A second, longer window for low-rate guessing (10 logins every 5
        minutes stays below ``min_connections``); None turns it off. flownb's
        own choice.
    slow_min_connections : int, default 50
        Short connections within ``slow_window`` that make a low-rate brute
        force. flownb's own choice (an administrator, or a deployment tool
        reusing its connection, opens far fewer).
    local_networks : list of str, optional
        CIDR blocks to treat as local.

    Returns
    -------
    DataFrame
        Findings; ``score`` is the number of connections; label
        ``UnauthorizedAccess:EC2/SSHBruteForce`` (port 22) or
        ``.../RDPBruteForce`` (3389; missing for WinRM, which GuardDuty does not
        cover); as GuardDuty rates them, High when our instance is the actor
        (it attacks a public host), Low when it is the target, Medium inside the
        VPC. The summary names the role.

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import brute_force
    >>> sim = flownb.simulate("ssh_brute_force", seed=0, duration="30min")
    >>> hit = brute_force(sim.flows).iloc[0]
    >>> hit["label"], hit["src"], hit["dst"]
    ('UnauthorizedAccess:EC2/SSHBruteForce', '45.141.84.120', '10.0.2.10')
    >>> print(hit["summary"])
    45.141.84.120 opened 150 short SSH connections to 10.0.2.10 in 9 min (our resource is the target).
    """
    _positive(min_connections, "min_connections")
    _positive(max_packets, "max_packets")
    w = duration_seconds(window, name="window")
    port_arr = _ports(ports, "ports")
    a = f.a
    least = min(min_connections, slow_min_connections) if slow_window is not None else min_connections
    m = _enough(_accepted_tcp_requests(f) & _in(a["dport"], port_arr), least, a["src"], a["dst"])
    if not m.any():
        return None
    conv, packets, src, dst, dport, t, e = _take(
        a, m, "conv", "packets", "src", "dst", "dport", "start", "end"
    )
    cid, ncid = factorize(conv)
    conv_packets = np.bincount(cid, weights=packets, minlength=ncid)
    short = conv_packets[cid] <= max_packets
    gk = key(src, dst, dport)

    def rule(least: int):
        def stat(g: np.ndarray, ng: int, rows: np.ndarray) -> np.ndarray:
            ok = short[rows]
            return nunique(g[ok], conv[rows][ok], ng) >= least

        return stat

    groups = factorize(gk)  # once for both windows
    fast = _fire_windows(gk, t, w, rule(min_connections), rule(min_connections), groups) & short
    slow = np.zeros(len(t), dtype=bool)
    ws = w
    if slow_window is not None:
        _positive(slow_min_connections, "slow_min_connections")
        ws = duration_seconds(slow_window, name="slow_window")
        slow = (
            _fire_windows(gk, t, ws, rule(slow_min_connections), rule(slow_min_connections), groups) & short
        )
    fired = fast | slow
    if not fired.any():
        return None
    d = pd.DataFrame(
        {
            "ep": _episodes(gk[fired], t[fired], max(w, ws)),
            "fast": fast[fired],
            "src": src[fired],
            "dst": dst[fired],
            "dst_port": dport[fired],
            "conv": conv[fired],
            "start": t[fired],
            "end": e[fired],
        }
    )
    r = d.groupby("ep", sort=False).agg(
        src=("src", "first"),
        dst=("dst", "first"),
        dst_port=("dst_port", "first"),
        start=("start", "min"),
        end=("end", "max"),
        conns=("conv", "nunique"),
        fast=("fast", "any"),
    )
    r["protocol"] = 6
    r["score"] = r["conns"].astype(float)
    r["label"] = [_BRUTE_LABELS.get(int(p)) for p in r["dst_port"]]
    sl, dl = f.addr_local[r["src"]], f.addr_local[r["dst"]]
    r["severity"] = np.where(sl & ~dl, "High", np.where(sl, "Medium", "Low"))
    role = np.where(sl & ~dl, "actor", np.where(dl & ~sl, "target", "actor and target"))
    r["summary"] = [
        f"{f.addr[s]} opened {c} short {_BRUTE_NAMES.get(int(p), 'port ' + str(p))} connections to "
        f"{f.addr[dd]} in {span_text(e - st)} (our resource is the {ro})."
        for s, c, p, dd, st, e, ro in zip(
            r["src"], r["conns"], r["dst_port"], r["dst"], r["start"], r["end"], role, strict=True
        )
    ]
    r["value"] = r["conns"].astype(float)
    r["threshold"] = np.where(r["fast"], float(min_connections), float(slow_min_connections))
    r["measure"] = np.where(
        r["fast"],
        f"short login connections per {span_text(w)}",
        f"short login connections per {span_text(ws)} (low-rate guessing)",
    )
    return r[[*_RAW_COLUMNS, *_WHY_COLUMNS]]
