"""Bundled sample data: small flow log files that ship inside the package.

``flownb.samples.list()`` describes every sample, ``flownb.samples.load(name)``
reads one into a DataFrame, and ``flownb.samples.path(name)`` gives the file
path, for examples that show reading a file.

The ``aws-docs/...`` samples are the example records of the Amazon VPC User
Guide ("Flow log record examples"), typed in as data, each with a header line
naming its format as S3 delivery writes it.

The ``demo`` sample is one day of the VPC twin's default topology (version 5
fields, 60 s intervals) with connectivity problems and attacks mixed in;
``flownb.samples.truth("demo")`` says what was injected, when and where.

Examples
--------
>>> import flownb
>>> df = flownb.samples.load("aws-docs/sg-nacl-ping")
>>> df["action"].tolist()
['ACCEPT', 'REJECT']
"""

from __future__ import annotations

import builtins
from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["list", "load", "path", "truth"]

_DATA = "data"

#: name -> (file inside data/, one-line description)
CATALOG: dict[str, tuple[str, str]] = {
    "demo": (
        "demo/demo.parquet",
        "VPC twin: a day of a three-tier VPC (v5 format) with scans, brute force, exfiltration, beaconing, "
        "ACL and security-group mistakes mixed in; truth('demo') lists them.",
    ),
    "aws-docs/default-accept-reject": (
        "aws-docs/default-accept-reject.log",
        "AWS docs: an accepted SSH and a rejected RDP record (default format).",
    ),
    "aws-docs/nodata-skipdata": (
        "aws-docs/nodata-skipdata.log",
        "AWS docs: a NODATA and a SKIPDATA record.",
    ),
    "aws-docs/sg-nacl-ping": (
        "aws-docs/sg-nacl-ping.log",
        "AWS docs: a ping accepted in, its reply rejected out by the network ACL.",
    ),
    "aws-docs/ipv6": ("aws-docs/ipv6.log", "AWS docs: an IPv6 SSH record."),
    "aws-docs/tcp-flags-sequence": (
        "aws-docs/tcp-flags-sequence.log",
        "AWS docs: TCP flags over a connection's life (SYN, SYN-ACK, FIN), version 3 custom format.",
    ),
    "aws-docs/nat-gateway": (
        "aws-docs/nat-gateway.log",
        "AWS docs: traffic through a NAT gateway, with pkt-srcaddr/pkt-dstaddr (custom format).",
    ),
    "aws-docs/transit-gateway-vpc": (
        "aws-docs/transit-gateway-vpc.log",
        "AWS docs: traffic between VPCs through a transit gateway (version 3 custom format).",
    ),
    "aws-docs/service-path-direction-v5": (
        "aws-docs/service-path-direction-v5.log",
        "AWS docs: version 5 fields: AWS service names, traffic path and flow direction.",
    ),
}


def path(name: str) -> str:
    """File system path of a bundled sample file (``"aws-docs/ipv6.log"`` or a catalogue name).

    Examples
    --------
    >>> import flownb
    >>> from pathlib import Path
    >>> p = flownb.samples.path("aws-docs/ipv6")
    >>> Path(p).name, Path(p).read_text().split()[:3]
    ('ipv6.log', ['version', 'account-id', 'interface-id'])
    """
    rel = CATALOG[name][0] if name in CATALOG else name
    p = Path(str(resources.files(__package__).joinpath(_DATA, *rel.split("/"))))
    if not p.exists():
        raise KeyError(f"'{name}' is not a bundled sample; the samples are {sorted(CATALOG)}")
    return str(p)


#: name -> ground truth file (inside data/) of samples made by the VPC twin.
TRUTH: dict[str, str] = {"demo": "demo/demo-truth.csv"}


def list() -> pd.DataFrame:
    """The bundled samples: name, file and description.

    Examples
    --------
    >>> import flownb
    >>> flownb.samples.list()["name"].tolist()[:3]
    ['demo', 'aws-docs/default-accept-reject', 'aws-docs/nodata-skipdata']
    """
    rows = [{"name": n, "file": f, "description": d} for n, (f, d) in CATALOG.items()]
    return pd.DataFrame(rows, columns=["name", "file", "description"])


def load(name: str) -> pd.DataFrame:
    """Read a bundled sample into a flow log DataFrame (see :func:`flownb.read_flow_logs`).

    Examples
    --------
    >>> import flownb
    >>> df = flownb.samples.load("aws-docs/ipv6")  # the IPv6 record of the VPC User Guide
    >>> df[["srcaddr", "dstport", "action"]].to_dict("records")
    [{'srcaddr': '2001:db8:1234:a100:8d6e:3477:df66:f105', 'dstport': 22, 'action': 'ACCEPT'}]
    """
    if name not in CATALOG:
        import difflib

        close = difflib.get_close_matches(name, builtins.list(CATALOG), n=3)
        hint = f"; did you mean {close}?" if close else ""
        raise KeyError(f"'{name}' is not a bundled sample{hint} (flownb.samples.list() shows them all)")
    from ..io._read import read_flow_logs

    return read_flow_logs(path(name), errors="raise")


def truth(name: str = "demo") -> pd.DataFrame:
    """What the VPC twin injected into a simulated sample: one row per event.

    Columns as in :attr:`flownb.sim.Simulation.truth`: scenario, label, kind,
    expected (the verdict code or detector name), src, dst, dst_port,
    protocol, start, end, interface_id, src_name, dst_name, details.

    Examples
    --------
    >>> import flownb
    >>> t = flownb.samples.truth("demo")
    >>> t.loc[t["scenario"] == "port_scan", "expected"].item()
    'vertical_scan'
    """
    if name not in TRUTH:
        raise KeyError(f"'{name}' has no ground truth; the simulated samples are {sorted(TRUTH)}")
    df = pd.read_csv(path(TRUTH[name]), dtype="string", keep_default_na=False, na_values=[""])
    df["dst_port"] = pd.to_numeric(df["dst_port"]).astype("UInt16")
    df["protocol"] = pd.to_numeric(df["protocol"]).astype("UInt8")
    for col in ("start", "end"):
        df[col] = pd.to_datetime(df[col], utc=True).astype("datetime64[s, UTC]")
    return df
