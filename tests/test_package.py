"""The package as users get it: public API complete, lazy imports, data files inside the wheel."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import flownb

ROOT = Path(__file__).resolve().parents[1]


def test_every_public_name_resolves():
    for name in flownb.__all__:
        assert getattr(flownb, name) is not None, name


def test_all_has_no_private_names_and_no_duplicates():
    # (its order is the layers', not alphabetical; dir(flownb) is sorted: test_all_is_the_public_namespace)
    assert not [n for n in flownb.__all__ if n.startswith("_") and n != "__version__"]
    assert len(set(flownb.__all__)) == len(flownb.__all__)


def test_all_is_the_public_namespace():
    # altair's tests/test_toplevel.py: what `dir(flownb)` shows is exactly __all__, before and after
    # every lazy name is loaded; helpers of the package's own code (importlib, Any) do not leak
    code = (
        "import flownb\n"
        "def public(): return {n for n in vars(flownb) if not n.startswith('_')}\n"
        "before = public()\n"
        "assert before <= set(flownb.__all__), sorted(before - set(flownb.__all__))\n"
        "for n in ('importlib', 'Any', 'annotations', 'accessor'):\n"
        "    assert not hasattr(flownb, n), n\n"
        "for n in flownb.__all__: getattr(flownb, n)\n"
        "after = public()\n"
        "assert after == set(flownb.__all__) - {'__version__'}, sorted(after ^ (set(flownb.__all__) - {'__version__'}))\n"
        "assert [n for n in dir(flownb) if not n.startswith('__')] == sorted(set(flownb.__all__) - {'__version__'})\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_implementation_modules_are_private():
    # issue 14, point 4: a sub-package's modules are its implementation (`_name.py`), its __init__ re-exports
    # the public names; flownb/cli's modules are its subcommands, found by name, and flownb.samples' data
    from pathlib import Path

    root = Path(flownb.__file__).parent
    public = [
        p.relative_to(root).as_posix()
        for p in root.rglob("*.py")
        if p.parent != root and not p.name.startswith("_") and "cli" not in p.relative_to(root).parts
    ]
    assert not public, f"make these modules private (_name.py) and re-export their public names: {public}"
