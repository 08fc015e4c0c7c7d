#!/usr/bin/env python3
"""Set up flownb and run it, with nothing but Python installed.

    python3 tasks.py lab     # a virtual environment, flownb and JupyterLab, opened on the guided notebooks
    python3 tasks.py test    # a virtual environment with the test tools, then the whole test suite
    python3 tasks.py docs    # the documentation site, offline, warnings as errors: docs/_build/html

Everything goes into ./.venv (created on first use; reinstalled only when pyproject.toml, setup.py or the
C tokenizer change). Arguments after ``lab`` go to ``flownb lab`` (``--no-browser``, ``--port N``);
arguments after ``test`` go to pytest, for example::

    python3 tasks.py test -k diagnose            # only the tests whose name matches
    python3 tasks.py test -m "not browser"       # no browser tests, and no Chromium installed for them
    python3 tasks.py test -m "not slow"          # the quick tests only
    python3 tasks.py test tests/io -n 0          # one folder, in one process

Tests run in parallel (pytest-xdist, one worker per core) unless ``-n`` is given; the browser tests run
after the others, on their own. The browser tests drive
Debian's chromium (/usr/bin/chromium): when it is missing and browser tests are selected, ``test`` says what
it will install with apt-get and why before installing it (as root; otherwise it says how, and those tests
are skipped).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("FLOWNB_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
CHROMIUM = Path("/usr/bin/chromium")
#: What the installed environment depends on: a change to any of these reinstalls flownb.
INSTALL_INPUTS = ("pyproject.toml", "setup.py", "flownb/io/_tokenize.c")
_T0 = time.monotonic()


def say(msg: str) -> None:
    print(f"tasks.py [{time.monotonic() - _T0:5.0f} s] {msg}", flush=True)


def run(*cmd: str | Path, **kw) -> None:
    print("+", " ".join(map(str, cmd)), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def install_hash(extra: str) -> str:
    """A hash of what an install of ``flownb[extra]`` depends on (the stamp kept in the venv)."""
    h = hashlib.sha256(extra.encode())
    for name in INSTALL_INPUTS:
        path = ROOT / name
        h.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b""))
    return h.hexdigest()


def stamp_path(extra: str) -> Path:
    return VENV / f".flownb-{extra}.stamp"


def ensure_venv(extra: str) -> None:
    """Create ./.venv and install ``flownb[extra]`` into it, unless the stamp says nothing changed."""
    stamp = stamp_path(extra)
    wanted = install_hash(extra)
    if PY.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        say(f"{VENV} is up to date with {', '.join(INSTALL_INPUTS)}: nothing to install")
        return
    if not PY.exists():
        say(f"[1/2] creating the virtual environment {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
        run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    elif stamp.exists():
        say(f"[1/2] reusing {VENV}: {', '.join(INSTALL_INPUTS)} changed since flownb[{extra}] was installed")
    else:
        say(f"[1/2] reusing {VENV}: flownb[{extra}] is not installed in it yet")
    say(
        f"[2/2] installing flownb[{extra}] into {VENV} (the first time takes a few minutes; pip lists each package)"
    )
    run(PY, "-m", "pip", "install", "--progress-bar", "on", "-e", f"{ROOT}[{extra}]")
    stamp.write_text(wanted + "\n")
    say(f"installed; next time this step is skipped until {', '.join(INSTALL_INPUTS)} change")


def _split_marker(args: list[str]) -> tuple[list[str], str | None]:
    """pytest arguments without their ``-m EXPR`` and the expression (the last one, as pytest takes it)."""
    rest, expr, i = [], None, 0
    while i < len(args):
        a = args[i]
        if a == "-m" and i + 1 < len(args):
            expr, i = args[i + 1], i + 2
            continue
        if a.startswith("-m") and len(a) > 2 and not a.startswith("--"):
            expr, i = a[2:], i + 1
            continue
        rest.append(a)
        i += 1
    return rest, expr


def browser_tests_selected(args: list[str]) -> bool:
    """Whether pytest with these arguments would run any test marked ``browser``."""
    rest, expr = _split_marker(args)
    narrowed = expr is not None or "-k" in rest or any(Path(a.split("::")[0]).exists() for a in rest)
    if not narrowed:
        return True
    marker = "browser" if expr is None else f"({expr}) and browser"
    proc = subprocess.run(
        [str(PY), "-m", "pytest", "--collect-only", "-q", "-n", "0", *rest, "-m", marker],
        capture_output=True,
        text=True,
    )
    return proc.returncode != 5  # 5: no test collected


def ensure_chromium(args: list[str], selected: bool | None = None) -> None:
    """Debian's chromium for the browser tests (no browser download at run time), said before done."""
    if CHROMIUM.exists():
        return
    if not (browser_tests_selected(args) if selected is None else selected):
        say(f"{CHROMIUM} is missing but no browser test is selected: nothing to install")
        return
    why = (
        f"the browser tests (marked 'browser') open the notebooks in Debian's chromium at {CHROMIUM}, "
        "which is missing"
    )
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        say(
            f"{why}.\n    It will now be installed with: apt-get update && apt-get install -y chromium "
            "(a system package, about 100 MB with its libraries).\n"
            '    To run without it and install nothing: python3 tasks.py test -m "not browser"'
        )
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run("apt-get", "update", "-qq", env=env)
        run("apt-get", "install", "-y", "-qq", "chromium", env=env)
    else:
        say(
            f"note: {why}; those tests will be skipped. Install it with 'sudo apt-get install chromium', "
            'or leave them out: python3 tasks.py test -m "not browser"'
        )


def _parallel(args: list[str]) -> list[str]:
    """pytest-xdist options unless the caller chose (``-n``, ``--numprocesses``, ``-p no:xdist``)."""
    chosen = any(a == "-n" or a.startswith(("-n", "--numprocesses", "--dist")) for a in args)
    if chosen or "no:xdist" in args:
        return []
    # worksteal: an idle worker takes queued tests from a busy one, so the long notebook runs spread out
    return ["-n", "auto", "--dist", "worksteal"]


def lab(args: list[str]) -> int:
    ensure_venv("notebooks")
    # flownb lab opens notebooks/00_start_here.ipynb with the repository as root: the Binder badge's path
    return subprocess.call([str(PY), "-m", "flownb", "lab", *args])


def phases(args: list[str], browser: bool) -> list[list[str]]:
    """The pytest argument lists to run one after the other.

    The browser tests run last, on their own (one worker unless ``-n`` was given): a page that loads
    the offline chart bundle needs the CPU, and anywidget gives a model 2 s to load before it gives up.
    """
    if not browser:
        return [[*_parallel(args), *args]]
    rest, expr = _split_marker(args)
    others = "not browser" if expr is None else f"({expr}) and not browser"
    only = "browser" if expr is None else f"({expr}) and browser"
    alone = [] if _parallel(args) == [] else ["-n", "1"]
    return [[*_parallel(args), *rest, "-m", others], [*alone, *rest, "-m", only]]


def worst(codes: list[int]) -> int:
    """One exit status for several pytest runs: the worst failure; 5 (nothing collected) only if all were."""
    ran = [c for c in codes if c != 5]
    return max(ran) if ran else 5


def test(args: list[str]) -> int:
    ensure_venv("test")
    browser = browser_tests_selected(args)
    ensure_chromium(args, selected=browser)
    env = dict(os.environ)
    if shutil.which("cc") or shutil.which("gcc"):
        # pip built the native tokenizer with this compiler: a test fails if it is missing
        env.setdefault("FLOWNB_REQUIRE_NATIVE", "1")
    codes = []
    runs = phases(args, browser)
    for i, run_args in enumerate(runs, 1):
        # the slowest tests of each run are listed: mark those over a few seconds @pytest.mark.slow
        report = [] if any(a.startswith("--durations") for a in args) else ["--durations=10"]
        cmd = [str(PY), "-m", "pytest", *run_args, *report]
        step = (
            f" ({i}/{len(runs)}{': the browser tests, on their own' if i == 2 else ''})"
            if len(runs) > 1
            else ""
        )
        say(f"running the tests{step}: " + " ".join(cmd[1:]))
        codes.append(subprocess.call(cmd, env=env))
    code = worst(codes)
    say(
        f"tests finished with exit status {code}"
        + (f" (runs: {', '.join(map(str, codes))})" if len(codes) > 1 else "")
    )
    if code == 5:
        print("pytest collected no tests: that is a failure here.", file=sys.stderr)
        return 1
    return code


def docs(args: list[str]) -> int:
    """Build the documentation site (docs/conf.py says what it holds); extra arguments go to sphinx-build."""
    ensure_venv("docs")
    out = ROOT / "docs" / "_build" / "html"
    code = subprocess.call([str(PY), "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", *args,
                            str(ROOT / "docs"), str(out)])  # fmt: skip
    if code == 0:
        print(f"documentation: {(out / 'index.html').as_uri()}")
    return code


def main() -> int:
    os.chdir(ROOT)  # test paths and the checkout are relative to the repository, wherever this is run from
    commands = {"lab": lab, "test": test, "docs": docs}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    raise SystemExit(main())
