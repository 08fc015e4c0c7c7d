"""Records written by hand for the monitoring tests, with what each test expects worked out by hand."""

from __future__ import annotations

import pytest

import flownb

# 1700000000 is 2023-11-14 22:13:20 UTC. Event minutes (from start): rows 0-1 22:13, rows 2-3 22:14,
# row 4 22:16, row 5 22:17; no event at all in 22:15.
HAND_RECORDS = """\
version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
2 111122223333 eni-aaa 10.0.0.5 10.0.1.9 40001 22 6 10 840 1700000000 1700000060 REJECT OK
2 111122223333 eni-aaa 10.0.0.5 10.0.1.9 40002 22 6 12 1000 1700000010 1700000070 ACCEPT OK
2 111122223333 eni-bbb 198.51.100.7 10.0.1.9 5555 3389 6 3 180 1700000065 1700000125 REJECT OK
2 111122223333 eni-bbb - - - - - - - 1700000070 1700000130 - NODATA
2 111122223333 eni-bbb 10.0.1.9 8.8.8.8 53000 53 17 1 70 1700000200 1700000260 ACCEPT OK
2 111122223333 eni-aaa 10.0.0.5 10.0.1.9 40003 443 6 20 5000 1700000250 1700000310 REJECT OK
"""


@pytest.fixture
def hand(tmp_path):
    p = tmp_path / "hand.log"
    p.write_text(HAND_RECORDS)
    return flownb.read_flow_logs(str(p), errors="raise")
