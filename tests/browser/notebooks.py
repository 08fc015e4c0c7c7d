"""The small notebooks the browser tests open in Voila (written to a temporary folder, never saved here)."""

NOTEBOOKS = {
    "explorer": (
        "import flownb\n"
        "from flownb.widgets import FlowExplorer\n"
        "ex = FlowExplorer(flownb.samples.load('demo'))\n"
        "ex"
    ),
    "troubleshooter": (
        "import flownb\n"
        "from flownb.widgets import Troubleshooter\n"
        "sim = flownb.simulate('nacl_blocks_return', seed=0, duration='20min')\n"
        "Troubleshooter(sim.flows, src='10.0.10.10', dst='10.0.20.10', port=5432, protocol='tcp')"
    ),
    "console": (
        "import flownb\nfrom flownb.widgets import QueryConsole\nQueryConsole(flownb.samples.load('demo'))"
    ),
    "alarmlab": (
        "import flownb\n"
        "from flownb.widgets import AlarmLab\n"
        "AlarmLab(flownb.simulate('port_scan', seed=0, duration='1h').flows)"
    ),
    "board": (
        "import flownb\n"
        "from flownb.widgets import DetectorBoard\n"
        "DetectorBoard(flownb.simulate('port_scan', seed=0, duration='30min').flows)"
    ),
    "quiz": "from flownb.widgets import Quiz\nQuiz('flow-logs-basics')",
}
