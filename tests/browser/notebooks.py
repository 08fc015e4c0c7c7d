"""The small notebooks the browser tests open in Voila (written to a temporary folder, never saved here)."""

NOTEBOOKS = {
    "explorer": (
        "import flownb\n"
        "from flownb.widgets import FlowExplorer\n"
        "ex = FlowExplorer(flownb.samples.load('demo'))\n"
        "ex"
    ),
}
