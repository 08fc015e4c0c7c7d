"""``flownb lab``: opens JupyterLab on the guided notebooks, in place or from a copy."""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from flownb.cli import lab, main

from . import nbtools


def test_lab_opens_the_start_notebook_of_this_clone(capsys):
    assert main(["lab", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"the notebooks of this clone: {nbtools.NOTEBOOKS}" in out
    # the repository is the root and the start notebook is where the Binder badge opens it
    assert f"--ServerApp.root_dir={nbtools.ROOT} notebooks/00_start_here.ipynb" in out
    badge = (nbtools.ROOT / "README.md").read_text()
    assert "urlpath=lab%2Ftree%2Fnotebooks%2F00_start_here.ipynb" in badge


def test_lab_copies_the_notebooks_to_a_folder_of_your_own_and_keeps_your_edits(tmp_path, capsys):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "00_start_here.ipynb").write_text("my edits")
    assert main(["lab", "--dry-run", "--dir", str(target), "--no-browser", "--port", "8899"]) == 0
    out = capsys.readouterr().out
    assert (target / "00_start_here.ipynb").read_text() == "my edits"  # never overwritten
    assert f"copied to {target} (1 already there, kept)" in out
    assert f"--ServerApp.root_dir={target} 00_start_here.ipynb" in out
    for nb in nbtools.notebooks():
        assert (target / nb.relative_to(nbtools.NOTEBOOKS)).exists()
    assert "--no-browser" in out and "--port=8899" in out


def test_lab_says_what_to_do_when_the_notebooks_are_not_installed(monkeypatch, capsys):
    monkeypatch.setattr(lab, "checkout_notebooks", lambda: None)
    monkeypatch.setattr(lab, "packaged_notebooks", lambda: None)
    assert main(["lab", "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert "not part of this installation" in err and "tasks.py lab" in err


def test_lab_names_the_notebooks_extra_when_jupyterlab_is_missing(monkeypatch, capsys):
    monkeypatch.setitem(__import__("sys").modules, "jupyterlab", None)
    assert main(["lab", "--no-browser"]) == 1
    err = capsys.readouterr().err
    assert "JupyterLab is not installed; it comes with flownb's 'notebooks' extra: pip install " in err
    assert "'jupyterlab>=4.2'" in err


@pytest.mark.slow  # starts JupyterLab
def test_lab_in_a_clone_prints_the_binder_path_of_the_start_notebook(tmp_path):
    from tests.test_wheel import serve_until

    env = {**os.environ, "PYTHONPATH": str(nbtools.ROOT), "HOME": str(tmp_path)}
    env.pop("JUPYTER_TOKEN", None)
    proc, seen, url = serve_until(
        [sys.executable, "-m", "flownb", "lab", "--no-browser"],
        tmp_path,
        env,
        r"/lab/tree/notebooks/00_start_here\.ipynb",
    )
    try:
        assert url, "".join(seen)
        badge = (nbtools.ROOT / "README.md").read_text().split("urlpath=", 1)[1].split(")", 1)[0]
        assert urllib.parse.unquote(badge) == url.split("/", 3)[3].split("?")[0]  # lab/tree/notebooks/00_...
        base, token = url.split("/lab/tree/")[0], url.rsplit("token=", 1)[1]
        with urllib.request.urlopen(f"{base}/api/contents/notebooks/00_start_here.ipynb?token={token}") as r:
            assert json.load(r)["type"] == "notebook"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
    # `flownb lab` stopped by a signal to it alone stops JupyterLab too: nothing is left holding the port
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).close()
        except (urllib.error.URLError, ConnectionError, OSError):
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"JupyterLab still answers at {base} after flownb lab was terminated")
