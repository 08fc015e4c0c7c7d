# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # flownb · VPC Flow Logs dashboard
#
# A simulated day of a three-tier VPC (flownb's bundled `demo` data). **Explore** filters the records and
# links the charts (drag across the timeline to zoom the others); **Detectors** lists security findings
# with the records behind each one; **Troubleshoot** answers "why can't A reach B?" for any pair.
#
# This page is a [Voila](https://voila.readthedocs.io) dashboard of `notebooks/dashboards/explorer.ipynb`;
# the guided notebooks start at `notebooks/00_start_here.ipynb`.

# %%
import ipywidgets as widgets

import flownb
from flownb.widgets import DetectorBoard, FlowExplorer, Troubleshooter

records = flownb.samples.load("demo")
ok = records[records["log_status"] == "OK"]

explorer = FlowExplorer(ok)
board = DetectorBoard(records)
troubleshooter = Troubleshooter(records, src="10.0.10.10", dst="10.0.20.10", port=5432, protocol="tcp")

tabs = widgets.Tab(children=[explorer.widget, board.widget, troubleshooter.widget])
for i, title in enumerate(["Explore", "Detectors", "Troubleshoot"]):
    tabs.set_title(i, title)
tabs

# %%
# Checks (hidden in the dashboard): the three panels start with content.
assert len(explorer.filtered) == len(ok)
assert board.findings is not None and len(board.findings) > 0
assert troubleshooter.diagnosis is not None
print(f"{len(ok):,} records · {len(board.findings)} findings · verdict {troubleshooter.diagnosis.verdict}")
