"""Optional dependencies: import one, or say in one line how to install it (altair's ``_importers`` pattern).

Examples
--------
>>> from flownb._optional import import_optional
>>> import_optional("json", "flownb").__name__
'json'
>>> import_optional("surely_not_installed_pkg", "this chart")
Traceback (most recent call last):
...
ImportError: this chart needs the 'surely_not_installed_pkg' package, which is not installed. Install it with:
    pip install surely_not_installed_pkg
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["INSTALL", "import_optional"]

#: The install command of each optional package (the extra that brings it, where there is one).
INSTALL = {
    "altair": 'pip install "altair>=6.0,<7"',
    "ipywidgets": 'pip install "ipywidgets>=8.1,<9"',
    "anywidget": "pip install \"anywidget>=0.9\"   (or: pip install 'flownb[notebooks]')",
    "vl_convert": "pip install \"vl-convert-python>=1.6\"   (or: pip install 'flownb[notebooks]')",
    "boto3": "pip install 'flownb[aws]'",
    "botocore": "pip install 'flownb[aws]'",
}


def import_optional(module: str, what: str) -> Any:
    """Import ``module`` or raise an ImportError naming ``what`` needs it and the exact pip command."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        cmd = INSTALL.get(module.split(".")[0], f"pip install {module.split('.')[0]}")
        raise ImportError(
            f"{what} needs the '{module}' package, which is not installed. Install it with:\n    {cmd}"
        ) from exc
