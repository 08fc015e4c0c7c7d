#!/usr/bin/env python3
"""Set up flownb and run it, with nothing but Python installed.

    python3 tasks.py lab     # a virtual environment, flownb and JupyterLab, opened on the guided notebooks
    python3 tasks.py test    # a virtual environment with the test tools, then the whole test suite
    python3 tasks.py docs    # the documentation site, offline, warnings as errors: docs/_build/html

Everything goes into ./.venv (created on first use, reused after). Extra
arguments after ``test`` are passed to pytest.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("FLOWNB_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def run(*cmd: str | Path, **kw) -> None:
    print("+", " ".join(map(str, cmd)), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def ensure_venv(extra: str) -> None:
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
        run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[{extra}]")


def ensure_chromium() -> None:
    """Debian's chromium for the browser tests (no browser download at run time)."""
    if Path("/usr/bin/chromium").exists():
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        run("apt-get", "update", "-qq")
        run(
            "apt-get",
            "install",
            "-y",
            "-qq",
            "chromium",
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    else:
        print("note: /usr/bin/chromium is missing; browser tests will be skipped (apt-get install chromium).")


def lab(args: list[str]) -> int:
    ensure_venv("notebooks")
    start = ROOT / "notebooks" / "00_start_here.ipynb"
    target = start if start.exists() else ROOT / "notebooks"
    os.chdir(ROOT)
    extra = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []  # containers run as root
    return subprocess.call([str(BIN / "jupyter"), "lab", str(target.relative_to(ROOT)), *extra, *args])


def test(args: list[str]) -> int:
    ensure_venv("test")
    ensure_chromium()
    os.chdir(ROOT)
    env = dict(os.environ)
    if shutil.which("cc") or shutil.which("gcc"):
        # pip built the native tokenizer with this compiler: a test fails if it is missing
        env.setdefault("FLOWNB_REQUIRE_NATIVE", "1")
    code = subprocess.call([str(PY), "-m", "pytest", *args], env=env)
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
    commands = {"lab": lab, "test": test, "docs": docs}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    raise SystemExit(main())
