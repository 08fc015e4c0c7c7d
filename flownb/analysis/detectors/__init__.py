"""Anomaly and threat detectors that explain themselves.

:func:`detect` runs the detectors over a flow log frame and returns one row per
finding; :func:`evidence` returns the records behind a finding. Each detector is
also a function of its own, with its thresholds as keyword arguments whose
documentation says where the default comes from.

Every detector works on the same view of the records (see
``flownb.analysis._flows``): ``pkt_srcaddr``/``pkt_dstaddr`` replace the
addresses when present, a connection logged by two ENIs is counted once, and
each conversation is oriented client -> server (from the TCP flags when logged,
else from the ports). An address is *local* when it is not globally routable
(RFC 1918, CGNAT, link-local, IPv6 ULA) or lies in ``local_networks`` (pass your
VPC's IPv6 blocks there); *public* otherwise.

Findings are episodes, as GuardDuty reports them: one finding per detector,
entity and episode of activity, where the *entity* is the actor (the source
address, or the ENI for data quality; for inbound probes, the target). Repeated
activity extends the episode instead of adding findings; an hour of silence
ends it. Each detector keeps its ``max_findings`` strongest findings (100 by
default) and says in one more row how many it left out.

The findings frame has the columns ``detector``, ``label`` (the analogous
GuardDuty finding type, where one exists), ``severity`` (Low, Medium, High),
``entity``, ``src``, ``dst``, ``dst_port``, ``protocol``, ``start`` and
``end`` (first and last seen), ``count`` (the connections behind it; read it
as ``finding["count"]``: ``finding.count`` is a pandas method),
``value``, ``threshold`` and ``measure`` (why it fired: the value measured, the
threshold it reached and what the value counts), ``score``,
``evidence_count`` (the records :func:`evidence` returns) and ``summary`` (one
sentence). ``src``, ``dst``, ``dst_port`` or ``protocol`` are missing when a
finding spans many values (a sweep has no single ``dst``).

The package's layout is its design. The shared machinery is private:
``_registry`` (each detector's public function, thresholds and evidence
selection), ``_findings`` (the findings frame), ``_selections`` (which records a
detector looks at), ``_windows`` (time windows), ``_episodes`` (detections
merged into episodes, the ``max_findings`` cap), ``_checks`` and ``_text``; the detectors live by family in ``_scans``, ``_brute_force``,
``_volume``, ``_behaviour``, ``_policy`` and ``_data_quality``. A new detector
is a function decorated with ``@register(...)`` in its family's module and one
import line here.

Examples
--------
>>> import flownb
>>> from flownb.analysis.detectors import detect, evidence
>>> df = flownb.samples.load("aws-docs/nodata-skipdata")
>>> findings = detect(df)
>>> findings[["detector", "label", "severity", "src"]].to_dict("records")
[{'detector': 'data_quality', 'label': 'LogStatus:SKIPDATA', 'severity': 'Low', 'src': 'eni-11111111aaaaaaaaa'}]
>>> evidence(df, findings.iloc[0])["log_status"].tolist()
['SKIPDATA']
"""

from __future__ import annotations

# isort: off
# Families in the order ``detect`` runs them (DETECTORS' order, which breaks ties between findings).
from ._scans import exposed_port_probe as exposed_port_probe, horizontal_sweep as horizontal_sweep
from ._scans import vertical_scan as vertical_scan
from ._brute_force import brute_force as brute_force
from ._volume import outbound_flood as outbound_flood, unidirectional_transfer as unidirectional_transfer
from ._volume import volume_anomaly as volume_anomaly
from ._behaviour import beaconing as beaconing, new_remote_port as new_remote_port
from ._behaviour import reject_spike as reject_spike
from ._policy import intel_match as intel_match, unapproved_dns as unapproved_dns
from ._policy import unusual_protocol as unusual_protocol
from ._data_quality import data_quality as data_quality

# isort: on
from ._detect import detect, evidence
from ._findings import FINDING_COLUMNS, SEVERITIES
from ._registry import DETECTORS

__all__ = ["DETECTORS", "FINDING_COLUMNS", "SEVERITIES", "detect", "evidence", *DETECTORS]
