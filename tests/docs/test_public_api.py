"""Every public name is documented, and every public function, class and module teaches with an example.

"Public" is every name in ``flownb.__all__`` and in the ``__all__`` of each public sub-package (and of the
modules those name, like ``flownb.analysis.detectors``): what the API reference lists
(``docs/_ext/flownb_docs.py``; ``tests/docs/test_site.py`` checks the built pages). Here:

- each function, class, exception and module has a numpydoc docstring with an ``Examples`` section;
- that example is collected as a doctest from the module that defines it, so the test suite runs it
  (``--doctest-modules``; a failing example fails there);
- each constant has a ``#:`` comment where it is defined, which the reference shows.
"""

from __future__ import annotations

import doctest
import functools
import importlib
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
import flownb_docs  # noqa: E402

NAMESPACES, ENTRIES = flownb_docs.collect()

#: Public objects without a docstring example. It was emptied on 2026-12-03 (39 names had none) and must
#: stay empty: a new public name comes with its example (on the bundled data, showing something found).
WITHOUT_EXAMPLE: frozenset[str] = frozenset()
DOCUMENTED = [e for e in ENTRIES if e.canonical == e.fullname or e.kind == "module"]


def _value(entry: flownb_docs.Entry) -> object:
    return getattr(importlib.import_module(entry.namespace), entry.name)


@functools.cache
def _doctests(modname: str) -> dict[str, doctest.DocTest]:
    """The doctests pytest's --doctest-modules collects from one module, by name."""
    module = importlib.import_module(modname)
    return {t.name: t for t in doctest.DocTestFinder(exclude_empty=True).find(module) if t.examples}


def test_the_names_without_example_are_public_and_still_without_one():
    documented = {e.canonical: e for e in DOCUMENTED}
    unknown = WITHOUT_EXAMPLE - set(documented)
    assert not unknown, f"not public (any more): remove from WITHOUT_EXAMPLE: {sorted(unknown)}"
    done = sorted(n for n in WITHOUT_EXAMPLE if "Examples\n" in (_value(documented[n]).__doc__ or ""))
    assert not done, f"these have an example now: remove them from WITHOUT_EXAMPLE: {done}"


def test_the_reference_and_this_test_see_the_same_public_names():
    found = set()
    for ns in NAMESPACES:
        found |= {f"{ns}.{n}" for n in importlib.import_module(ns).__all__}
    assert found == {e.fullname for e in ENTRIES}
    assert {
        "flownb.read_flow_logs",
        "flownb.analysis.detectors.vertical_scan",
        "flownb.widgets.FlowExplorer",
    } <= found


@pytest.mark.parametrize(
    "entry",
    [e for e in DOCUMENTED if e.kind != "data" and e.canonical not in WITHOUT_EXAMPLE],
    ids=lambda e: e.canonical,
)
def test_public_object_has_an_example_that_runs_as_a_doctest(entry):
    value = _value(entry)
    doc = value.__doc__ or ""
    if entry.canonical in WITHOUT_EXAMPLE:
        assert "Examples\n" not in doc, (
            f"{entry.canonical} has an example now: remove it from WITHOUT_EXAMPLE"
        )
        pytest.xfail(f"{entry.canonical} has no example yet (WITHOUT_EXAMPLE)")
    assert doc.strip(), f"{entry.fullname} has no docstring"
    assert "Examples\n" in doc and ">>>" in doc.split("Examples\n", 1)[1], (
        f"{entry.fullname}'s docstring has no 'Examples' section with a >>> example"
    )
    if isinstance(value, types.ModuleType):
        name, home = value.__name__, value.__name__
    else:
        home = value.__module__
        name = f"{home}.{value.__qualname__}"
    assert name in _doctests(home), (
        f"{entry.fullname}'s example is not collected as a doctest from {home} (the suite would not run it)"
    )


@pytest.mark.parametrize("entry", [e for e in DOCUMENTED if e.kind == "data"], ids=lambda e: e.canonical)
def test_public_constant_is_described(entry):
    assert flownb_docs.data_comment(entry.namespace, entry.name), (
        f"{entry.fullname} has no '#:' comment where it is defined: the reference cannot say what it is"
    )
