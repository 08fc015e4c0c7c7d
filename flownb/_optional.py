"""Optional dependencies: import one, or say in one line how to install it (altair's ``_importers`` pattern).

The one place for packages imported on first use. The extras' install commands come from flownb's
own metadata (:func:`flownb._extras.install_command`); packages outside an extra have their
command here.

Examples
--------
>>> from flownb._optional import import_optional
>>> import_optional("json", "flownb").__name__
'json'
>>> import_optional("surely_not_installed_pkg", "this chart")
Traceback (most recent call last):
...
flownb._extras.MissingDependency: this chart needs the 'surely_not_installed_pkg' package, which is not installed: pip install surely_not_installed_pkg
"""

from __future__ import annotations

import importlib
from typing import Any

from ._extras import MissingDependency

__all__ = ["INSTALL", "import_optional"]

#: The install command of each optional package (the extra that brings it, where there is one).
INSTALL = {
    "altair": 'pip install "altair>=6.0,<7"',
    "ipywidgets": 'pip install "ipywidgets>=8.1,<9"',
    "anywidget": "pip install \"anywidget>=0.9\"   (part of flownb's 'notebooks' extra)",
    "vl_convert": "pip install \"vl-convert-python>=1.6\"   (part of flownb's 'notebooks' extra)",
}


def import_optional(module: str, what: str) -> Any:
    """Import ``module`` or raise a one-line ImportError naming ``what`` needs it and the pip command."""
    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        cmd = INSTALL.get(top, f"pip install {top}")
        raise MissingDependency(
            f"{what} needs the '{module}' package, which is not installed: {cmd}", name=top
        ) from None  # one message with the command, no chained traceback
