"""Sphinx configuration of flownb's documentation site (``python3 tasks.py docs``).

The site is built offline from the repository alone: the API reference is generated from every public
``__all__`` (``_ext/flownb_docs.py``), the notebooks are rendered from their saved outputs (never executed
here) and the lists of verdicts and detectors come from the code's registries. Warnings are errors
(``sphinx-build -W``), so a docstring Sphinx cannot read fails the build.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # document this checkout's flownb, not an installed copy
sys.path.insert(0, str(HERE / "_ext"))

import flownb  # noqa: E402

project = "flownb"
author = "The flownb developers"
copyright = "The flownb developers"
release = flownb.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "numpydoc",
    "myst_nb",
    "flownb_docs",
]

# No network at build time: no intersphinx, no remote images, notebooks never executed.
nb_execution_mode = "off"
nb_merge_streams = True
# The notebooks save each chart as a PNG beside a one-line note (tests/notebooks/nbtools.py): the site shows
# the image, with the chart's title as its text (_ext/flownb_docs.py); nothing needs JavaScript.
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_typehints = "none"  # numpydoc's Parameters section says the types, in words
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "_ext", "_templates"]
suppress_warnings: list[str] = []

html_theme = "pydata_sphinx_theme"
html_title = f"flownb {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "github_url": "https://github.com/flownb/flownb",
    "navbar_end": ["navbar-icon-links"],
}
html_static_path: list[str] = []
html_show_sourcelink = False
