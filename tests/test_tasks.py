"""``python3 tasks.py``: the set-up a new user runs first (parallel tests, no silent system changes)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tasks(monkeypatch, tmp_path):
    """tasks.py as a module, its virtual environment pointed at a temporary folder."""
    spec = importlib.util.spec_from_file_location("flownb_tasks", ROOT / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "VENV", tmp_path / "venv")
    monkeypatch.setattr(module, "PY", Path(sys.executable))
    calls: list[list[str]] = []
    monkeypatch.setattr(module, "run", lambda *cmd, **kw: calls.append([str(c) for c in cmd]))
    module.calls = calls
    monkeypatch.chdir(ROOT)
    return module


def test_tests_run_in_parallel_unless_the_caller_chooses(tasks):
    assert tasks._parallel([]) == ["-n", "auto", "--dist", "worksteal"]
    assert tasks._parallel(["-k", "diagnose"]) == ["-n", "auto", "--dist", "worksteal"]
    for chosen in (["-n", "0"], ["-n4"], ["--numprocesses=2"], ["-p", "no:xdist"], ["--dist", "load"]):
        assert tasks._parallel(chosen) == [], chosen


def test_nothing_is_reinstalled_when_nothing_changed(tasks, capsys):
    tasks.VENV.mkdir()
    tasks.stamp_path("test").write_text(tasks.install_hash("test"))
    tasks.ensure_venv("test")
    assert tasks.calls == []
    assert "up to date" in capsys.readouterr().out


def test_a_changed_pyproject_reinstalls_and_says_so(tasks, capsys):
    tasks.VENV.mkdir()
    tasks.stamp_path("test").write_text("an older hash\n")
    tasks.ensure_venv("test")
    assert tasks.calls == [
        [str(sys.executable), "-m", "pip", "install", "--progress-bar", "on", "-e", f"{ROOT}[test]"]
    ]
    out = capsys.readouterr().out
    assert "[2/2] installing flownb[test]" in out
    assert "changed since flownb[test] was installed" in out
    assert tasks.stamp_path("test").read_text().strip() == tasks.install_hash("test")
    assert tasks.install_hash("test") != tasks.install_hash("notebooks")


def test_chromium_install_is_announced_with_its_reason_before_apt_runs(tasks, monkeypatch, capsys):
    monkeypatch.setattr(tasks, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setattr(tasks.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(tasks.os, "geteuid", lambda: 0, raising=False)
    printed_before: list[str] = []
    monkeypatch.setattr(
        tasks,
        "run",
        lambda *cmd, **kw: printed_before.append(capsys.readouterr().out) or tasks.calls.append(cmd),
    )
    tasks.ensure_chromium([])
    assert [c[:2] for c in tasks.calls] == [("apt-get", "update"), ("apt-get", "install")]
    said = printed_before[0]
    assert "browser tests" in said and "apt-get install -y chromium" in said
    assert 'python3 tasks.py test -m "not browser"' in said


def test_not_browser_installs_nothing(tasks, monkeypatch, capsys):
    monkeypatch.setattr(tasks, "CHROMIUM", Path("/nonexistent/chromium"))
    tasks.ensure_chromium(["tests/browser", "-m", "not browser"])
    assert tasks.calls == []
    assert "no browser test is selected" in capsys.readouterr().out


@pytest.mark.slow  # two pytest collections in a subprocess
def test_which_runs_select_browser_tests(tasks):
    assert tasks.browser_tests_selected([])  # the whole suite: no need to ask pytest
    assert tasks.browser_tests_selected(["tests/browser/test_voila.py", "-mnot slow"])
    assert not tasks.browser_tests_selected(["tests/test_schema.py"])


def test_readme_documents_the_test_options():
    readme = (ROOT / "README.md").read_text()
    for text in ('python3 tasks.py test -m "not browser"', "python3 tasks.py test -k", "-n 0", "apt-get"):
        assert text in readme, text


def test_browser_tests_run_after_the_others_on_their_own(tasks):
    assert tasks.phases(["-k", "voila"], browser=True) == [
        ["-n", "auto", "--dist", "worksteal", "-k", "voila", "-m", "not browser"],
        ["-n", "1", "-k", "voila", "-m", "browser"],
    ]
    assert tasks.phases(["-m", "not slow", "-x"], browser=True) == [
        ["-n", "auto", "--dist", "worksteal", "-x", "-m", "(not slow) and not browser"],
        ["-n", "1", "-x", "-m", "(not slow) and browser"],
    ]
    assert tasks.phases(["-n", "0"], browser=True)[1] == ["-n", "0", "-m", "browser"]
    assert tasks.phases(["-m", "not browser"], browser=False) == [
        ["-n", "auto", "--dist", "worksteal", "-m", "not browser"]
    ]
    assert tasks.worst([0, 1]) == 1 and tasks.worst([5, 0]) == 0 and tasks.worst([0, 5]) == 0
    assert tasks.worst([5, 5]) == 5 and tasks.worst([2, 1]) == 2


def test_lab_installs_the_notebooks_extra_then_runs_flownb_lab(tasks, monkeypatch):
    called = []
    monkeypatch.setattr(tasks.subprocess, "call", lambda cmd, **kw: called.append(cmd) or 0)
    tasks.VENV.mkdir()
    assert tasks.lab(["--no-browser"]) == 0
    assert tasks.calls[-1][-2:] == ["-e", f"{ROOT}[notebooks]"]
    assert called == [[str(sys.executable), "-m", "flownb", "lab", "--no-browser"]]
