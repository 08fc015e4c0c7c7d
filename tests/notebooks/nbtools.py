"""Build, clean and compare the curated notebooks (``notebooks/``).

The notebooks are written as jupytext ``py:percent`` files (``notebooks/00_start_here.py``); the
``.ipynb`` next to each is generated from it by executing it and keeping small, stable outputs:

- no widget state in the notebook metadata and no ``application/vnd.jupyter.widget-view+json``
  outputs (an interactive output is saved as a one-line text note instead);
- a chart, or a widget holding charts, is also saved as a PNG of its charts as first drawn (rendered
  from the widget state's Vega-Lite spec with vl-convert, reduced to a 64-colour palette), so a reader
  without a kernel (GitHub, the documentation site) sees it; the output's metadata names each chart
  (title and a digest of its spec), which the regression test compares instead of the pixels;
- no JavaScript outputs and no HTML that carries a ``<script>`` (the Vega/Altair bundles);
- no execution timings in the cell metadata;
- consecutive prints to the same stream in one output (the kernel splits them by timing).

Rebuild one or all notebooks after editing their ``.py`` file::

    python -m tests.notebooks.nbtools                 # every notebook
    python -m tests.notebooks.nbtools 04 dashboards   # those whose path contains "04" or "dashboards"

The regression tests (``tests/notebooks/test_notebooks.py``) execute each saved notebook again,
clean the result the same way and compare it with the committed outputs.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"

#: Saved in place of an interactive output (a widget or an interactive chart).
WIDGET_NOTE = "[interactive output: run the notebook in Jupyter to use it]"

#: Each notebook must run top to bottom in this many seconds (the issue says 60 s on 2 cores).
TIME_BUDGET_S = 60

#: Environment the notebooks run in: no AWS account, no internet, offline chart JavaScript.
EXEC_ENV = {
    "FLOWNB_OFFLINE": "1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "Agg",
}

#: A saved chart image may take this many bytes (before base64); a larger one fails the build.
IMAGE_BUDGET = 48 * 1024

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_SCRIPT = re.compile(r"<script\b", re.IGNORECASE)
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def sources() -> list[Path]:
    """The jupytext ``py:percent`` sources of every curated notebook, in reading order."""
    found = []
    for p in sorted(NOTEBOOKS.rglob("*.py")):
        if ".ipynb_checkpoints" in p.parts:
            continue
        head = p.read_text(encoding="utf-8")[:400]
        if "format_name: percent" in head:
            found.append(p)
    return found


def notebooks() -> list[Path]:
    """The saved ``.ipynb`` of every curated notebook."""
    return [p.with_suffix(".ipynb") for p in sources()]


def _charts_in(model_id: str, state: dict, seen: set[str] | None = None) -> list[dict]:
    """The Vega-Lite specs of the charts a widget shows: itself, or its children's, in display order."""
    seen = set() if seen is None else seen
    if model_id in seen or model_id not in state:
        return []
    seen.add(model_id)
    model = state[model_id].get("state", {})
    if isinstance(model.get("spec"), dict) and "_vl_selections" in model:  # altair's JupyterChart
        return [model["spec"]]
    found = []
    for child in model.get("children", []) or []:
        if isinstance(child, str) and child.startswith("IPY_MODEL_"):
            found += _charts_in(child.removeprefix("IPY_MODEL_"), state, seen)
    if isinstance(model.get("outputs"), list):  # an ipywidgets Output holding charts
        for out in model["outputs"]:
            view = out.get("data", {}).get(_WIDGET_VIEW) if isinstance(out, dict) else None
            if view:
                found += _charts_in(view.get("model_id", ""), state, seen)
    return found


def _chart_title(spec: dict) -> str:
    """The chart's title; for an untitled compound chart, its parts' titles joined by " / "."""
    title = spec.get("title", "")
    if isinstance(title, dict):
        title = title.get("text", "")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    if title:
        return str(title)
    for key in ("vconcat", "hconcat", "concat", "layer"):
        parts = [_chart_title(p) for p in spec.get(key, []) if isinstance(p, dict)]
        if any(parts):
            return " / ".join(p for p in parts if p)
    return ""


def chart_image(specs: list[dict]) -> bytes:
    """One PNG of ``specs``' charts, stacked top to bottom, in a 64-colour palette (small and sharp)."""
    import io

    import vl_convert
    from PIL import Image

    images = [Image.open(io.BytesIO(vl_convert.vegalite_to_png(s, scale=1))).convert("RGB") for s in specs]
    width, height = max(i.width for i in images), sum(i.height for i in images)
    sheet = Image.new("RGB", (width, height), "white")
    top = 0
    for image in images:
        sheet.paste(image, (0, top))
        top += image.height
    small = sheet.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    small.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def _chart_output(view: dict, state: dict) -> dict:
    """The saved form of a widget output: the note, plus a PNG and the charts' names if it shows charts."""
    specs = _charts_in(view.get("model_id", ""), state)
    if not specs:
        return {"data": {"text/plain": WIDGET_NOTE}, "metadata": {}}
    png = chart_image(specs)
    names = [
        {
            "title": _chart_title(s),
            "spec": hashlib.sha256(json.dumps(s, sort_keys=True).encode()).hexdigest()[:16],
        }
        for s in specs
    ]
    if len(png) > IMAGE_BUDGET:
        titles = ", ".join(repr(n["title"]) for n in names)
        raise ValueError(
            f"the image of the chart(s) {titles} is {len(png) / 1024:.0f} KiB, over the "
            f"{IMAGE_BUDGET / 1024:.0f} KiB budget (nbtools.IMAGE_BUDGET): draw fewer marks or a smaller chart"
        )
    return {
        "data": {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": WIDGET_NOTE},
        "metadata": {"flownb": {"charts": names}},
    }


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` with only small, stable outputs (see the module docstring)."""
    nb = copy.deepcopy(nb)
    state = nb.metadata.get("widgets", {}).get(_WIDGET_STATE, {}).get("state", {})
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            if out.get("output_type") in ("display_data", "execute_result"):
                data = out.get("data", {})
                if _WIDGET_VIEW in data:
                    saved = _chart_output(data[_WIDGET_VIEW], state)
                    out["data"], out["metadata"] = saved["data"], saved["metadata"]
                    outputs.append(out)
                    continue
                data = {
                    k: v
                    for k, v in data.items()
                    if k not in ("application/javascript", "text/javascript")
                    and not (k == "text/html" and _SCRIPT.search(v if isinstance(v, str) else "".join(v)))
                }
                if "text/plain" in data:
                    data["text/plain"] = _ADDRESS.sub("", data["text/plain"])
                if not data:
                    continue
                out["data"] = data
                out["metadata"] = {}
            elif out.get("output_type") == "stream":
                # one stream per name: how prints are split into messages depends on timing
                prev = outputs[-1] if outputs else None
                if (
                    prev is not None
                    and prev.get("output_type") == "stream"
                    and prev.get("name") == out.get("name")
                ):
                    prev["text"] += out["text"]
                    continue
            outputs.append(out)
        cell.outputs = outputs
    return nb


class _SlicedPollChannel:
    """A kernel channel whose ``get_msg(timeout)`` polls in slices of at most a second.

    jupyter_client's asyncio channel waits on the ZeroMQ socket once for the whole timeout. When a cell
    displays ipywidgets, a reply can be on the socket while that wait goes on, and it is returned only when
    the timeout runs out (nbclient issue 312, "when cell contains ipywidget, execute cell will sometimes
    blocks"): seen here as the last cell of notebooks 02 and 08 (both ``widgets.interactive``) taking exactly
    nbclient's 300 s timeout, then passing. Polling in slices finds such a message within a second.
    """

    _SLICE_S = 1.0

    async def get_msg(self, timeout: float | None = None) -> dict:
        from queue import Empty

        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = self._SLICE_S if deadline is None else min(self._SLICE_S, deadline - time.monotonic())
            if await self.socket.poll(max(0, int(left * 1000))):
                return await self._recv()
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty


def _kernel_client_class() -> str:
    """The dotted name of an AsyncKernelClient whose shell and iopub channels poll in slices."""
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.channels import AsyncZMQSocketChannel
    from traitlets import Type

    global SlicedPollKernelClient
    if "SlicedPollKernelClient" not in globals():
        channel = type("SlicedPollChannel", (_SlicedPollChannel, AsyncZMQSocketChannel), {})
        SlicedPollKernelClient = type(
            "SlicedPollKernelClient",
            (AsyncKernelClient,),
            {"shell_channel_class": Type(channel), "iopub_channel_class": Type(channel)},
        )
    return f"{__name__}.SlicedPollKernelClient"


def execute(
    nb: nbformat.NotebookNode, cwd: Path, timeout: int = 300, phases: list[tuple[str, float]] | None = None
) -> tuple[nbformat.NotebookNode, float]:
    """Execute a notebook in a fresh kernel; returns the executed copy and the seconds it took.

    ``phases``, when given, receives ``(what, seconds since the start)`` for the kernel being ready, each
    cell's start and end, and the kernel's shutdown: what a budget failure prints, to say where time went.
    """
    from nbclient import NotebookClient
    from traitlets.config import Config

    nb = copy.deepcopy(nb)
    marks = phases if phases is not None else []
    t0 = time.perf_counter()

    def mark(what: str):
        def hook(**kw) -> None:
            index = kw.get("cell_index")
            marks.append((what if index is None else f"{what} {index}", time.perf_counter() - t0))

        return hook

    # The kernel talks over Unix sockets in a folder of its own, not TCP: kernels started at once by
    # parallel test workers pick free TCP ports independently and can pick the same one (jupyter_client
    # issue 487, "Spawning many kernels may result in ZMQError"). The path is absolute: the kernel runs in
    # ``cwd``, the client here.
    sockets = tempfile.TemporaryDirectory(prefix="flownb-kernel-")
    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = os.path.join(sockets.name, "kernel")
    config.KernelManager.client_class = _kernel_client_class()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
        record_timing=False,
        config=config,
        on_notebook_start=mark("kernel ready"),
        on_cell_execute=mark("cell start"),
        on_cell_executed=mark("cell done"),
        on_notebook_complete=mark("kernel stopped"),
    )
    old = {k: os.environ.get(k) for k in EXEC_ENV}
    os.environ.update(EXEC_ENV)  # the kernel inherits this process's environment
    try:
        t0 = time.perf_counter()
        marks.append(("start", 0.0))
        client.execute()
        seconds = time.perf_counter() - t0
    finally:
        sockets.cleanup()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb, seconds


def read_source(py: Path) -> nbformat.NotebookNode:
    """The notebook a jupytext ``py:percent`` file describes (no outputs)."""
    import jupytext

    nb = jupytext.read(py)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata.setdefault("jupytext", {})["formats"] = "ipynb,py:percent"
    return nb


def build(py: Path) -> float:
    """Execute ``py``'s notebook and save it, cleaned, as the ``.ipynb`` next to it; returns seconds."""
    nb = read_source(py)
    executed, seconds = execute(nb, py.parent)
    out = clean(executed)
    out.metadata.pop("language_info", None)
    for i, cell in enumerate(out.cells):
        cell.id = f"cell-{i:03d}"  # stable ids: a rebuild changes only what really changed
    nbformat.validate(out)
    nbformat.write(out, py.with_suffix(".ipynb"))
    return seconds


def main(argv: list[str]) -> int:
    chosen = [p for p in sources() if not argv or any(a in str(p.relative_to(NOTEBOOKS)) for a in argv)]
    for py in chosen:
        seconds = build(py)
        size = py.with_suffix(".ipynb").stat().st_size
        print(f"{py.relative_to(ROOT)}: {seconds:.1f} s, {size / 1024:.0f} KiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
