"""Pages of the documentation site that are generated from the code, so they cannot drift from it.

When Sphinx starts (``builder-inited``) this extension writes, under ``docs/``:

- ``api/``: the API reference. One page per public namespace (``flownb``, each public sub-package, and
  each module named in one of their ``__all__``), listing every name of its ``__all__`` in order, and one
  page per documented object. An object reachable under several names (``flownb.top`` is
  ``flownb.analysis.top``) is documented once, under the first name in :data:`NAMESPACE_ORDER`; the
  other namespaces list it and link there. ``api/names.json`` maps every public name to its page (the
  docs test reads it).
- ``notebooks/``: the curated notebooks, copied from ``notebooks/`` with their saved outputs (never
  executed here).
- ``lists/``: the troubleshooting verdicts (``flownb.analysis.VERDICTS`` and ``ANNOTATIONS``), the
  detectors (``flownb.analysis.detectors.DETECTORS``, each default with the source its docstring
  cites) and the Logs Insights support table.

Every generated directory is ignored by git; delete them freely.

Why not ``sphinx.ext.autosummary``: its stubs document an object once per name it is listed under (so
``flownb.top`` and ``flownb.analysis.top`` would be two descriptions of one function, a Sphinx warning),
and its summary of a constant is the docstring of the constant's type (``dict() -> new empty
dictionary``). The tables here are written the same way autosummary writes them, with those two
differences.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import pkgutil
import re
import shutil
import sys
import types
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent

#: Namespaces in the order of the layers (DESIGN.md); a namespace found but not listed here goes last.
NAMESPACE_ORDER = (
    "flownb",
    "flownb.schema",
    "flownb.io",
    "flownb.sim",
    "flownb.sim.scenarios",
    "flownb.samples",
    "flownb.insights",
    "flownb.analysis",
    "flownb.analysis.detectors",
    "flownb.monitoring",
    "flownb.charts",
    "flownb.widgets",
    "flownb.quiz",
    "flownb.cli",
)

GENERATED = ("api", "notebooks", "lists")


# ---------------------------------------------------------------------------------------------- discovery
def _is_public(modname: str) -> bool:
    return not any(part.startswith("_") for part in modname.split("."))


def public_namespaces() -> list[str]:
    """``flownb``, every public sub-package with an ``__all__``, and every module named in an ``__all__``."""
    import flownb

    found = {"flownb"}
    for info in pkgutil.walk_packages(flownb.__path__, "flownb."):
        if info.ispkg and _is_public(info.name) and "__all__" in vars(importlib.import_module(info.name)):
            found.add(info.name)
    todo = sorted(found)
    while todo:
        mod = importlib.import_module(todo.pop())
        for name in mod.__all__:
            value = getattr(mod, name)
            if (
                isinstance(value, types.ModuleType)
                and value.__name__ not in found
                and "__all__" in vars(value)
                and _is_public(value.__name__)
            ):
                found.add(value.__name__)
                todo.append(value.__name__)
    rank = {name: i for i, name in enumerate(NAMESPACE_ORDER)}
    return sorted(found, key=lambda n: (rank.get(n, len(rank)), n))


def kind_of(value: Any) -> str:
    """The Sphinx object type of a public value."""
    if isinstance(value, types.ModuleType):
        return "module"
    if inspect.isclass(value):
        return "exception" if issubclass(value, BaseException) else "class"
    return "function" if callable(value) else "data"


def _identity_key(value: Any) -> int | None:
    """Objects that may be shared under several names (constants are never merged: ``5000`` is not unique)."""
    if isinstance(value, types.ModuleType) or inspect.isclass(value) or inspect.isroutine(value):
        return id(value)
    return None


@dataclasses.dataclass
class Entry:
    namespace: str
    name: str
    kind: str
    canonical: str  # the full name the object is documented under
    summary: str

    @property
    def fullname(self) -> str:
        return f"{self.namespace}.{self.name}"


def data_comment(namespace: str, name: str) -> str:
    """The ``#:`` comment above a constant, in the namespace or any module of its package."""
    from sphinx.pycode import ModuleAnalyzer

    candidates = [namespace]
    candidates += sorted(m for m in list(sys.modules) if m.startswith(namespace + ".") and sys.modules[m])
    for modname in candidates:
        try:
            docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        except Exception:  # a compiled or source-less module
            continue
        lines = docs.get(("", name))
        if lines:
            return "\n".join(lines).strip()
    return ""


def summary_of(value: Any, namespace: str, name: str) -> str:
    text = data_comment(namespace, name) if kind_of(value) == "data" else inspect.getdoc(value) or ""
    first = text.strip().split("\n\n")[0]
    return " ".join(first.split())


def collect() -> tuple[list[str], list[Entry]]:
    """Every public name, with the name its object is documented under."""
    namespaces = public_namespaces()
    canonical: dict[int, str] = {}
    entries = []
    for ns in namespaces:
        mod = importlib.import_module(ns)
        for name in mod.__all__:
            value = getattr(mod, name)
            kind = kind_of(value)
            full = f"{ns}.{name}"
            if kind == "module":
                target = value.__name__
            else:
                key = _identity_key(value)
                target = canonical.setdefault(key, full) if key is not None else full
            entries.append(Entry(ns, name, kind, target, summary_of(value, ns, name)))
    return namespaces, entries


# ------------------------------------------------------------------------------------------------- writing
_ROLE = {"function": "func", "class": "class", "exception": "exc", "data": "data", "module": "mod"}


def _rst_escape(text: str) -> str:
    return text.replace("\\", "\\\\")


def _title(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n"


def _object_page(entry: Entry) -> str:
    out = [".. this page is generated by docs/_ext/flownb_docs.py\n", _title(entry.fullname)]
    out.append(f".. currentmodule:: {entry.namespace}\n")
    if entry.kind == "function":
        out.append(f".. autofunction:: {entry.fullname}\n")
    elif entry.kind == "class":
        out.append(f".. autoclass:: {entry.fullname}\n   :members:\n   :show-inheritance:\n")
    elif entry.kind == "exception":
        out.append(f".. autoexception:: {entry.fullname}\n   :show-inheritance:\n")
    else:
        value = getattr(importlib.import_module(entry.namespace), entry.name)
        text = data_comment(entry.namespace, entry.name)
        out.append(f".. py:data:: {entry.name}\n   :type: {type(value).__name__}\n")
        if len(repr(value)) <= 80:
            out.append(f"   :value: {value!r}\n")
        out.append("")
        for line in (text or "(no description)").splitlines():
            out.append(f"   {line}" if line.strip() else "")
        out.append("")
    return "\n".join(out) + "\n"


def _namespace_page(ns: str, entries: list[Entry]) -> str:
    out = [".. this page is generated by docs/_ext/flownb_docs.py\n", _title(ns)]
    out.append(f".. automodule:: {ns}\n   :no-members:\n")
    out.append(f".. currentmodule:: {ns}\n")
    mine = [e for e in entries if e.namespace == ns]
    out.append(_title("Public names", "-"))
    out.append(f"``{ns}.__all__``, in its order.\n")
    out.append(".. list-table::\n   :widths: 30 70\n   :class: flownb-api-table\n")
    for e in mine:
        role = _ROLE[e.kind]
        target = e.canonical
        link = f":py:{role}:`{e.name} <{target}>`"
        also = "" if e.kind == "module" or target == e.fullname else f" (documented as ``{target}``)"
        summary = _rst_escape(e.summary) or " "
        out.append(f"   * - {link}\n     - {summary}{also}")
    out.append("")
    pages = [e for e in mine if e.kind != "module" and e.canonical == e.fullname]
    if pages:
        out.append(".. toctree::\n   :hidden:\n")
        out.extend(f"   generated/{e.fullname}" for e in pages)
        out.append("")
    return "\n".join(out) + "\n"


def write_api(dest: Path) -> dict[str, str]:
    namespaces, entries = collect()
    gen = dest / "generated"
    gen.mkdir(parents=True, exist_ok=True)
    for e in entries:
        if e.kind != "module" and e.canonical == e.fullname:
            (gen / f"{e.fullname}.rst").write_text(_object_page(e), encoding="utf-8")
    for ns in namespaces:
        (dest / f"{ns}.rst").write_text(_namespace_page(ns, entries), encoding="utf-8")
    index = [
        ".. this page is generated by docs/_ext/flownb_docs.py\n",
        _title("API reference"),
        "Every public name of flownb, namespace by namespace in the order of the layers (sources, records,",
        "analysis, charts, widgets). Each namespace lists its ``__all__``; an object reachable under several",
        "names is documented once and linked from the others.\n",
        ".. toctree::\n   :maxdepth: 1\n",
        *(f"   {ns}" for ns in namespaces),
        "",
    ]
    (dest / "index.rst").write_text("\n".join(index) + "\n", encoding="utf-8")
    names = {e.fullname: {"kind": e.kind, "documented_as": e.canonical} for e in entries}
    (dest / "names.json").write_text(json.dumps(names, indent=1, sort_keys=True), encoding="utf-8")
    return {k: v["documented_as"] for k, v in names.items()}


# ---------------------------------------------------------------------------------------------- notebooks
def _with_chart_alt_text(nb: dict[str, Any]) -> dict[str, Any]:
    """The notebook with each chart image's alternative text: the charts' titles, which nbtools saves in
    the output's metadata (``metadata.flownb.charts``), given to myst-nb as the cell's image option."""
    for cell in nb.get("cells", []):
        titles = [
            chart["title"]
            for out in cell.get("outputs", [])
            if "image/png" in out.get("data", {})
            for chart in out.get("metadata", {}).get("flownb", {}).get("charts", [])
            if chart.get("title")
        ]
        if titles:
            alt = "Chart: " + "; ".join(titles) if len(titles) == 1 else "Charts: " + "; ".join(titles)
            cell.setdefault("metadata", {}).setdefault("mystnb", {}).setdefault("image", {})["alt"] = alt
    return nb


def copy_notebooks(dest: Path) -> list[Path]:
    src = ROOT / "notebooks"
    copied = []
    for nb in sorted(src.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in nb.parts:
            continue
        target = dest / nb.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(_with_chart_alt_text(json.loads(nb.read_text(encoding="utf-8")))))
        copied.append(target)
    index = [
        "# Notebooks\n",
        "The curated notebooks, rendered with the outputs saved in the repository (they are not run to build",
        "this site). Run them yourself with `python3 tasks.py lab`, or on Binder; charts and widgets are",
        "interactive there.\n",
        "```{toctree}\n:maxdepth: 1\n",
        *(str(p.relative_to(dest).with_suffix("")) for p in copied),
        "```\n",
    ]
    (dest / "index.md").write_text("\n".join(index), encoding="utf-8")
    return copied


# ------------------------------------------------------------------------------------------------- lists
def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _describe(value: Any) -> dict[str, str]:
    """A registry entry as columns: a string is its meaning, a dataclass its fields, a dict its items."""
    if isinstance(value, str):
        return {"meaning": value}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: str(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return {"meaning": str(value)}


def _verdict_table() -> dict[str, Any]:
    """The verdict table's entries by code (connectivity's one table), or nothing if it has moved."""
    try:
        table = importlib.import_module("flownb.analysis.connectivity._verdicts").TABLE
    except (ImportError, AttributeError):
        return {}
    return {v.code: v for v in table}


def _first_paragraph(func: Any) -> str:
    doc = inspect.getdoc(func) or ""
    return " ".join(doc.split("\n\n")[0].split())


def verdicts_page() -> str:
    from flownb import analysis

    module = importlib.import_module(analysis.diagnose.__module__)
    annotations = getattr(module, "ANNOTATIONS", None) or getattr(analysis, "ANNOTATIONS", None)
    table = _verdict_table()
    out = [
        "# Troubleshooting verdicts\n",
        "What {py:func}`flownb.diagnose` can answer, generated from `flownb.analysis.VERDICTS` and the",
        "verdict table of `flownb.analysis.connectivity`, in priority order: the first verdict that applies is",
        "the main one. The evidence behind each verdict is explained in the guide's",
        "[troubleshooting page](../guide/troubleshooting.md) and in notebook 04.\n",
        "## Verdicts (`Diagnosis.verdict` and `Diagnosis.verdicts`)\n",
        "| code | meaning | something is broken | when it applies |",
        "|---|---|---|---|",
    ]
    for code, meaning in analysis.VERDICTS.items():
        entry = table.get(code)
        broken = "" if entry is None else ("yes" if getattr(entry, "failing", True) else "no")
        when = "" if entry is None else _first_paragraph(entry.applies)
        outranks = tuple(getattr(entry, "outranks", ()) or ())
        if outranks:
            when = (when + " " if when else "") + "Outranks " + ", ".join(f"`{o}`" for o in outranks) + "."
        out.append(
            f"| `{code}` | {_md_cell(_describe(meaning).get('meaning', meaning))} | {broken} | {_md_cell(when)} |"
        )
    out.append("")
    if annotations:
        out += [
            "## Annotations (`Diagnosis.verdicts` only, never the main verdict)\n",
            "| code | meaning |",
            "|---|---|",
        ]
        out += [
            f"| `{code}` | {_md_cell(_describe(v).get('meaning', v))} |" for code, v in annotations.items()
        ]
        out.append("")
    return "\n".join(out) + "\n"


def detectors_page() -> str:
    from numpydoc.docscrape import FunctionDoc

    from flownb.analysis import detectors

    out = [
        "# Detectors\n",
        "Every detector {py:func}`flownb.detect` runs, generated from `flownb.analysis.detectors.DETECTORS`.",
        "Each threshold is a keyword argument; its default and the source it comes from are quoted from the",
        "detector's docstring (GuardDuty, Zeek, RITA, Panther, the AWS documentation, or flownb's own choice).\n",
    ]
    for name, spec in detectors.DETECTORS.items():
        func = getattr(spec, "func", spec)
        doc = FunctionDoc(func)
        summary = " ".join(doc["Summary"])
        out.append(f"## `{name}`\n")
        public = f"{detectors.__name__}.{name}"
        out.append(f"{summary} ({{py:func}}`API <{public}>`)\n")
        sig = inspect.signature(func)
        rows = []
        for p in doc["Parameters"]:
            param = sig.parameters.get(p.name)
            if param is None or param.default is inspect.Parameter.empty:
                continue
            rows.append((p.name, repr(param.default), " ".join(p.desc)))
        if rows:
            out.append("| threshold | default | meaning and source |")
            out.append("|---|---|---|")
            out.extend(f"| `{n}` | `{_md_cell(d)}` | {_md_cell(t)} |" for n, d, t in rows)
            out.append("")
    return "\n".join(out) + "\n"


def insights_page() -> str:
    support = ROOT / "flownb" / "insights" / "SUPPORT.md"
    if support.exists():
        text = support.read_text(encoding="utf-8")
        if not text.lstrip().startswith("# "):
            text = "# Logs Insights support\n\n" + text
        return text
    from flownb import insights

    out = [
        "# Logs Insights support\n",
        "The query commands, functions and `stats` aggregations {py:func}`flownb.query` runs, generated from",
        "`flownb.insights.COMMANDS`, `FUNCTIONS` and `AGGREGATIONS`. Anything else raises",
        "{py:exc}`flownb.InsightsSyntaxError` with a caret under the part that is not supported.\n",
    ]
    for title, names in (
        ("Commands", insights.COMMANDS),
        ("Functions", insights.FUNCTIONS),
        ("Aggregations (`stats`)", insights.AGGREGATIONS),
    ):
        out.append(f"## {title}\n")
        out.append(", ".join(f"`{n}`" for n in sorted(names)) + "\n")
    return "\n".join(out) + "\n"


def write_lists(dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "verdicts.md").write_text(verdicts_page(), encoding="utf-8")
    (dest / "detectors.md").write_text(detectors_page(), encoding="utf-8")
    (dest / "insights-support.md").write_text(insights_page(), encoding="utf-8")


# ------------------------------------------------------------------------------------------------- sphinx
def generate(docs: Path = DOCS) -> None:
    """Write every generated page (also usable without Sphinx: ``python docs/_ext/flownb_docs.py``)."""
    for sub in GENERATED:
        shutil.rmtree(docs / sub, ignore_errors=True)
    write_api(docs / "api")
    copy_notebooks(docs / "notebooks")
    write_lists(docs / "lists")


def _on_builder_inited(app: Any) -> None:
    generate(Path(app.srcdir))


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _on_builder_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    generate()
    print(re.sub(r"\s+", " ", f"generated {', '.join(GENERATED)} under {DOCS}"))
