"""Shared widget plumbing: optional imports with install hints, offline charts, safe callbacks."""

from __future__ import annotations

import functools
import html
import traceback
from collections.abc import Callable
from typing import Any

from .._optional import import_optional as require
from ..charts._common import altair


def widgets() -> Any:
    """The ``ipywidgets`` module (with an install hint when missing)."""
    return require("ipywidgets", "flownb.widgets")


def jupyter_chart(chart: Any) -> Any:
    """An ``altair.JupyterChart`` for ``chart`` (offline when FLOWNB_OFFLINE=1)."""
    require("anywidget", "flownb.widgets (interactive charts)")
    alt = altair()
    return alt.JupyterChart(chart)


def message_html(text: str, kind: str = "info") -> str:
    """A short message for an HTML widget: 'error' red, 'warning' amber, 'info' grey."""
    color = {"error": "#b00020", "warning": "#a05a00", "info": "#555", "ok": "#2e7d32"}[kind]
    return f'<div class="flownb-msg flownb-{kind}" style="color:{color};font-size:13px">{html.escape(text, quote=False)}</div>'


def shown_errors(target: str = "_message") -> Callable:
    """Decorate a widget callback: an exception becomes a message in ``self.<target>``, never a traceback.

    ``ValueError`` and ``TypeError`` are the user's input (shown as they are); anything
    else is a bug in flownb (shown with its type, and the traceback kept on
    ``self.last_error`` for a bug report).
    """

    def deco(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            box = getattr(self, target)
            try:
                result = func(self, *args, **kwargs)
            except (ValueError, TypeError, KeyError) as exc:
                self.last_error = exc
                box.value = message_html(str(exc), "error")
                return None
            except Exception as exc:
                self.last_error = exc
                self.last_traceback = traceback.format_exc()
                box.value = message_html(f"flownb hit an internal error ({type(exc).__name__}: {exc}); "
                                         "please report it with .last_traceback", "error")  # fmt: skip
                return None
            return result

        return wrapper

    return deco


def table_html(df: Any, max_rows: int = 20) -> str:
    """A small frame as an HTML table (the first ``max_rows`` rows, with a count of the rest)."""
    if df is None or len(df) == 0:
        return message_html("No rows.", "info")
    more = len(df) - max_rows
    body = df.head(max_rows).to_html(index=False, border=0, classes="flownb-table", na_rep="–")
    style = "<style>.flownb-table{font-size:12px;border-collapse:collapse}.flownb-table td,.flownb-table th{padding:2px 8px;text-align:left}</style>"
    tail = f'<div style="color:#555;font-size:12px">… {more:,} more rows</div>' if more > 0 else ""
    return style + body + tail
