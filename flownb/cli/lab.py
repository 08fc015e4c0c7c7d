"""``flownb lab [--dir DIR] [--no-browser] [--port N] [--dry-run]``: JupyterLab on the guided notebooks.

Where the notebooks come from:

- in a clone of the repository (including an editable install), the ``notebooks/`` folder next to the
  package is opened in place;
- in an installed package that ships them (as ``flownb/notebooks``), they are first copied to a folder of
  your own (``./flownb-notebooks`` unless ``--dir`` says otherwise), so your edits never touch the
  installation; files already there are kept, never overwritten.

JupyterLab itself comes with the ``notebooks`` extra: ``pip install "flownb[notebooks]"``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

START = "00_start_here.ipynb"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lab", help="open JupyterLab on the guided notebooks (00_start_here first)")
    p.add_argument(
        "--dir",
        default=None,
        metavar="DIR",
        help="folder to copy the notebooks to when they come from an installed package (default ./flownb-notebooks)",
    )
    p.add_argument("--no-browser", action="store_true", help="start the server without opening a browser")
    p.add_argument("--port", type=int, default=None, help="port for JupyterLab (default: its own choice)")
    p.add_argument("--dry-run", action="store_true", help="print the folder and the command, start nothing")
    p.set_defaults(func=run)


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
        shutil.copy2(nb, dest)
        copied.append(dest)
    return copied


def notebook_folder(target: str | None) -> tuple[Path, str]:
    """The folder to open and a sentence saying where it came from (ValueError when there is none)."""
    checkout = checkout_notebooks()
    if checkout is not None and target is None:
        return checkout, f"the notebooks of this clone: {checkout}"
    source = checkout or packaged_notebooks()
    if source is None:
        raise ValueError(
            "the guided notebooks are not part of this installation; clone the repository "
            "(git clone https://github.com/flownb/flownb) and run 'python3 tasks.py lab' there, "
            "or open them on Binder (the badge in the README)"
        )
    folder = Path(target or "flownb-notebooks").resolve()
    copied = copy_notebooks(source, folder)
    return folder, f"{len(copied)} notebook(s) copied to {folder} (existing files kept)"


def lab_command(folder: Path, *, no_browser: bool = False, port: int | None = None) -> list[str]:
    """The JupyterLab command line opening ``folder``'s start notebook."""
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}", START]
    if no_browser:
        cmd.append("--no-browser")
    if port is not None:
        cmd.append(f"--port={port}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI run as root
    return cmd


def run(args: argparse.Namespace) -> int:
    folder, where = notebook_folder(args.dir)
    cmd = lab_command(folder, no_browser=args.no_browser, port=args.port)
    print(f"flownb lab: {where}")
    if args.dry_run:
        print(" ".join(cmd))
        return 0
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        print(
            "flownb lab: error: JupyterLab is not installed. Install it with:\n"
            '    pip install "flownb[notebooks]"',
            file=sys.stderr,
        )
        return 1
    return subprocess.call(cmd, cwd=folder)
