"""``flownb lab [--dir DIR] [--no-browser] [--port N] [--dry-run]``: JupyterLab on the guided notebooks.

Where the notebooks come from:

- in a clone of the repository (including an editable install), they are opened in place, with the
  repository as JupyterLab's root, so the start notebook is ``notebooks/00_start_here.ipynb``: the path
  the Binder badge opens;
- in an installed package, which ships them as ``flownb/notebooks``, they are first copied to a folder
  of your own (``./flownb-notebooks`` unless ``--dir`` says otherwise), so your edits never touch the
  installation; files already there are kept, never overwritten. That folder is the root.

Once the server answers, the command prints the address of the start notebook (with its token) and,
unless ``--no-browser`` is given, the browser opens it. JupyterLab comes with flownb's ``notebooks``
extra; without it the command says how to install it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

START = "00_start_here.ipynb"
#: Seconds to wait for JupyterLab to answer before saying so (it starts in 5 to 20 s on 2 cores).
READY_TIMEOUT_S = 180


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lab", help="open JupyterLab on the guided notebooks (00_start_here first)")
    p.add_argument(
        "--dir",
        default=None,
        metavar="DIR",
        help="folder to copy the notebooks to when they come from an installed package (default ./flownb-notebooks)",
    )
    p.add_argument("--no-browser", action="store_true", help="start the server without opening a browser")
    p.add_argument("--port", type=int, default=None, help="port for JupyterLab (default: a free one)")
    p.add_argument("--dry-run", action="store_true", help="print the folder and the command, start nothing")
    p.set_defaults(func=run)


@dataclass(frozen=True)
class Workspace:
    """What JupyterLab opens: its root folder, the start notebook's path in it, and where they came from."""

    root: Path
    start: str
    where: str


def checkout_notebooks() -> Path | None:
    """The ``notebooks/`` folder of a source checkout holding this package, if there is one."""
    folder = Path(__file__).resolve().parents[2] / "notebooks"
    return folder if (folder / START).exists() else None


def packaged_notebooks() -> Path | None:
    """The notebooks shipped inside the installed package (``flownb/notebooks``), if any."""
    try:
        folder = Path(str(resources.files("flownb") / "notebooks"))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - zipped installs
        return None
    return folder if (folder / START).exists() else None


def copy_notebooks(source: Path, target: Path) -> list[Path]:
    """Copy every ``.ipynb`` under ``source`` to ``target`` (same layout), keeping files already there."""
    copied = []
    for nb in sorted(source.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in nb.parts:
            continue
        dest = target / nb.relative_to(source)
        if dest.exists():
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(nb, dest)  # not copy2: the installed files may be read-only, the copies are yours
        copied.append(dest)
    return copied


def workspace(target: str | None) -> Workspace:
    """The folder to open and the start notebook in it (ValueError when there are no notebooks)."""
    checkout = checkout_notebooks()
    if checkout is not None and target is None:
        return Workspace(checkout.parent, f"notebooks/{START}", f"the notebooks of this clone: {checkout}")
    source = checkout or packaged_notebooks()
    if source is None:
        raise ValueError(
            "the guided notebooks are not part of this installation; clone the repository "
            "(git clone https://github.com/flownb/flownb) and run 'python3 tasks.py lab' there, "
            "or open them on Binder (the badge in the README)"
        )
    folder = Path(target or "flownb-notebooks").resolve()
    copied = copy_notebooks(source, folder)
    kept = sum(1 for _ in source.rglob("*.ipynb")) - len(copied)
    return Workspace(
        folder,
        START,
        f"{len(copied)} notebook(s) copied to {folder}" + (f" ({kept} already there, kept)" if kept else ""),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lab_command(ws: Workspace, *, port: int, no_browser: bool = False) -> list[str]:
    """The JupyterLab command line opening the workspace's start notebook."""
    cmd = [
        sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={ws.root}", ws.start,
        f"--port={port}", "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
    ]  # fmt: skip
    if no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI run as root
    return cmd


def start_url(ws: Workspace, port: int, token: str) -> str:
    """The address of the start notebook, token included (what to open in a browser)."""
    return f"http://127.0.0.1:{port}/lab/tree/{ws.start}?token={token}"


def wait_until_ready(proc: subprocess.Popen, port: int, token: str, timeout: float = READY_TIMEOUT_S) -> bool:
    """Poll the server's status API until it answers (True), the process ends or time runs out (False)."""
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/api/status?token={token}"
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    return False


def run(args: argparse.Namespace) -> int:
    from .._extras import install_command

    ws = workspace(args.dir)
    port = args.port or free_port()
    cmd = lab_command(ws, port=port, no_browser=args.no_browser)
    print(f"flownb lab: {ws.where}", flush=True)
    if args.dry_run:
        print(" ".join(cmd))
        return 0
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        print(
            "flownb lab: error: JupyterLab is not installed; it comes with flownb's 'notebooks' extra: "
            + install_command("notebooks"),
            file=sys.stderr,
        )
        return 1
    token = secrets.token_hex(24)
    proc = subprocess.Popen(cmd, cwd=ws.root, env={**os.environ, "JUPYTER_TOKEN": token})

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    # Stopped by a signal to this process alone (a service manager's or a test's SIGTERM), JupyterLab must
    # stop too: without this it would keep running, holding its port, after `flownb lab` has gone.
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        if wait_until_ready(proc, port, token):
            print(f"\nflownb lab: the start notebook is at\n\n    {start_url(ws, port, token)}\n", flush=True)
        elif proc.poll() is None:
            print(
                f"flownb lab: JupyterLab has not answered on port {port} yet; see its log above", flush=True
            )
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        return proc.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
